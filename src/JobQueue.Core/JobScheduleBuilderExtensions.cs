using JobQueue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

public static class JobScheduleBuilderExtensions
{
    /// <summary>
    /// Declares a recurring job, written when the app starts (created, or updated in place: every replica and every
    /// deploy may declare it, and it still exists once):
    /// <c>builder.AddJobSchedule(new ScheduleDefinition("daily-report", "0 6 * * *", new NewJob("report", "{}"), "Europe/Paris"))</c>.
    /// The app's workers (or any app running <c>AddJobWorker()</c>) fire it. Adds <see cref="JobQueueBuilderExtensions.AddJobQueue"/> if absent.
    /// </summary>
    public static IHostApplicationBuilder AddJobSchedule(this IHostApplicationBuilder builder, ScheduleDefinition schedule)
    {
        builder.AddJobQueue();
        builder.Services.AddSingleton(schedule);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ScheduleDeclarations>());
        return builder;
    }
}
