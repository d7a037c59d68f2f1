namespace JobQueue.Tests.Hosting;

/// <summary>The hosting layer when a process it starts dies before it is ready: the error says why, in the process's own words.</summary>
public sealed class ResourceFailureTests
{
    [Fact]
    public async Task Waiting_for_a_process_that_dies_before_it_is_ready_fails_with_its_unhandled_exception()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { RandomizePorts = true, EchoResourceOutput = false });
        builder.AddExecutable("doomed", "sh", Path.GetTempPath(), "-c",
            "echo starting; echo 'Unhandled exception. System.IO.IOException: Failed to bind to address http://127.0.0.1:8000: address already in use.' >&2; echo '   at Somewhere()' >&2; exit 134")
            .WithHttpEndpoint()
            .WithHttpHealthCheck("/health");
        await using var app = builder.Build();
        await app.StartAsync();

        var failure = await Assert.ThrowsAsync<DistributedApplicationException>(
            () => app.ResourceNotifications.WaitForResourceHealthyAsync("doomed").WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal("Resource 'doomed' exited (code 134) before it was ready: Unhandled exception. System.IO.IOException: " +
            "Failed to bind to address http://127.0.0.1:8000: address already in use.", failure.Message);
    }
}
