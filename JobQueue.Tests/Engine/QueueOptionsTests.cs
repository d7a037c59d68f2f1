using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace JobQueue.Tests.Engine;

/// <summary>
/// The lease a worker holds a job by is read from <c>Queue:LeaseTimeout</c>; a deployment that still sets its former
/// name, <c>Queue:ProcessingTimeout</c>, keeps its lease; when both are set, the new name wins.
/// </summary>
public sealed class QueueOptionsTests
{
    [Theory]
    [InlineData(null, null, 10)]
    [InlineData("00:00:04", null, 4)]
    [InlineData(null, "00:00:07", 7)]
    [InlineData("00:00:04", "00:00:07", 4)]
    public void The_lease_is_read_from_its_key_else_from_its_former_one(string? lease, string? former, int seconds)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:redis"] = "127.0.0.1:1";
        if (lease is not null)
        {
            builder.Configuration["Queue:LeaseTimeout"] = lease;
        }

        if (former is not null)
        {
            builder.Configuration["Queue:ProcessingTimeout"] = former;
        }

        builder.AddJobQueue();
        using var host = builder.Build();

        Assert.Equal(TimeSpan.FromSeconds(seconds), host.Services.GetRequiredService<IOptions<QueueOptions>>().Value.LeaseTimeout);
    }

    [Fact]
    public void A_lease_out_of_bounds_under_its_former_key_is_refused_as_one_under_its_own()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:redis"] = "127.0.0.1:1";
        builder.Configuration["Queue:ProcessingTimeout"] = "00:00:00.100";
        builder.AddJobQueue();
        using var host = builder.Build();

        var refused = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<QueueOptions>>().Value);
        Assert.Contains(nameof(QueueOptions.LeaseTimeout), refused.Message);
    }

    [Fact]
    public void An_apphost_or_autoscaler_reading_the_configuration_gets_what_the_workers_get()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Queue:Name"] = "orders",
            ["Queue:ProcessingTimeout"] = "00:00:07",
        }).Build();

        var options = QueueOptions.From(configuration);

        Assert.Equal(("orders", TimeSpan.FromSeconds(7)), (options.Name, options.LeaseTimeout));
        Assert.Equal("jobs", QueueOptions.From(new ConfigurationBuilder().Build()).Name);
    }

    [Theory]
    [InlineData(null, null, 200)]
    [InlineData("00:00:00.050", null, 50)] // the worker's former key
    [InlineData("00:00:00.050", "00:00:00.300", 300)] // the key of its own wins
    public void The_housekeeping_interval_is_read_from_its_own_key_else_from_the_workers_former_one(string? former, string? own, int expectedMs)
    {
        var settings = new Dictionary<string, string?>();
        if (former is not null)
        {
            settings[QueueOptions.HousekeepingIntervalFormerKey] = former;
        }

        if (own is not null)
        {
            settings["Queue:HousekeepingInterval"] = own;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), QueueOptions.From(configuration).HousekeepingInterval);
    }
}
