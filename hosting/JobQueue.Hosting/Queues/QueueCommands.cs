using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JobQueue.Hosting.Queues;

/// <summary>
/// The commands of a queue resource, in Aspire's dashboard, the <c>aspire</c> CLI and <see cref="ResourceCommandService"/>:
/// pause, resume, retry or purge its dead letters (optionally of one job type) and run a schedule now. Each runs the
/// product's own classes (<see cref="QueueControls"/>, <see cref="DeadLetters"/>, <see cref="ScheduleStore"/>), as the
/// API and the queue dashboard do, refuses a queue Redis does not know with a message saying so, and answers with what it did.
/// </summary>
internal static class QueueCommands
{
    public const string Pause = "jobqueue-pause";
    public const string Resume = "jobqueue-resume";
    public const string RetryDeadLetters = "jobqueue-retry-dead-letters";
    public const string PurgeDeadLetters = "jobqueue-purge-dead-letters";
    public const string RunSchedule = "jobqueue-run-schedule";

    /// <summary>The optional job type argument of the dead-letter commands.</summary>
    public const string TypeArgument = "type";

    /// <summary>The schedule name argument of <see cref="RunSchedule"/>.</summary>
    public const string ScheduleArgument = "schedule";

    public static IResourceBuilder<JobQueueResource> WithQueueCommands(this IResourceBuilder<JobQueueResource> builder)
    {
        var queue = builder.Resource;
        return builder
            .WithCommand(Pause, "Pause", context => RunAsync(context, queue, async (operations, _) =>
                {
                    await operations.Controls.PauseAsync(queue.QueueName);
                    return $"Paused queue '{queue.QueueName}': no job starts until it is resumed; running jobs finish.";
                }),
                new CommandOptions
                {
                    Description = "Stop starting jobs of this queue (running ones finish; new ones are still accepted).",
                    IconName = "Pause",
                    IsHighlighted = true,
                    UpdateState = context => IsPaused(context.ResourceSnapshot) ? ResourceCommandState.Disabled : ResourceCommandState.Enabled,
                })
            .WithCommand(Resume, "Resume", context => RunAsync(context, queue, async (operations, _) =>
                {
                    await operations.Controls.ResumeAsync(queue.QueueName);
                    return $"Resumed queue '{queue.QueueName}'.";
                }),
                new CommandOptions
                {
                    Description = "Start jobs of this queue again.",
                    IconName = "Play",
                    IsHighlighted = true,
                    UpdateState = context => IsPaused(context.ResourceSnapshot) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
                })
            .WithCommand(RetryDeadLetters, "Retry dead letters", context => RunAsync(context, queue, async (operations, arguments) =>
                {
                    var type = Optional(arguments, TypeArgument);
                    var retried = await operations.DeadLetters.RetryAsync(queue.QueueName, type);
                    return $"Retried {retried} dead letter{(retried == 1 ? "" : "s")}{OfType(type)} of queue '{queue.QueueName}'.";
                }),
                new CommandOptions
                {
                    Description = $"Queue again the failed jobs of this queue's dead letters (at most {JobQueue.DeadLetters.MaxPerAction} per run).",
                    IconName = "ArrowRepeatAll",
                    Arguments = [TypeInput()],
                })
            .WithCommand(PurgeDeadLetters, "Purge dead letters", context => RunAsync(context, queue, async (operations, arguments) =>
                {
                    var type = Optional(arguments, TypeArgument);
                    var deleted = await operations.DeadLetters.DeleteAsync(queue.QueueName, type);
                    return $"Deleted {deleted} dead letter{(deleted == 1 ? "" : "s")}{OfType(type)} of queue '{queue.QueueName}' with their jobs.";
                }),
                new CommandOptions
                {
                    Description = $"Delete this queue's dead letters and their failed jobs (at most {JobQueue.DeadLetters.MaxPerAction} per run).",
                    IconName = "Delete",
                    ConfirmationMessage = $"Delete the dead letters of queue '{queue.QueueName}' and their failed jobs? This cannot be undone.",
                    Arguments = [TypeInput()],
                })
            .WithCommand(RunSchedule, "Run a schedule now", context => RunAsync(context, queue, async (operations, arguments) =>
                {
                    var name = Optional(arguments, ScheduleArgument) ?? throw new ArgumentException("Name the schedule to run.");
                    var result = await operations.Schedules.TriggerAsync(name);
                    return $"Schedule '{name}' ran now: job {result.Job.Id} queued.";
                }),
                new CommandOptions
                {
                    Description = "Queue a schedule's job once, now, outside its timetable (which stays as it is).",
                    IconName = "CalendarArrowRight",
                    Arguments =
                    [
                        new InteractionInput { Name = ScheduleArgument, Label = "Schedule", InputType = InputType.Text, Required = true, MaxLength = 200 },
                    ],
                });
    }

    private static async Task<ExecuteCommandResult> RunAsync(
        ExecuteCommandContext context, JobQueueResource queue, Func<QueueOperations, InteractionInputCollection?, Task<string>> action)
    {
        var logger = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(queue);
        try
        {
            var operations = await context.Services.GetRequiredService<QueueConnections>().GetAsync(queue.Parent, context.CancellationToken);
            await operations.Directory.KnownAsync(queue.QueueName);
            var message = await action(operations, context.Arguments);
            logger.LogInformation("{Message}", message);
            return CommandResults.Success(message);
        }
        catch (Exception e) when (e is UnknownQueueException or ScheduleNotFoundException or ArgumentException
                                      or StackExchange.Redis.RedisException or TimeoutException)
        {
            logger.LogWarning("Command on queue {Queue} refused: {Reason}", queue.QueueName, e.Message);
            return CommandResults.Failure(e.Message);
        }
    }

    private static bool IsPaused(CustomResourceSnapshot snapshot) => snapshot.State?.Text == QueueMonitor.PausedState;

    private static InteractionInput TypeInput() => new()
    {
        Name = TypeArgument,
        Label = "Job type",
        Description = "Only the dead letters of this job type; empty: all of them.",
        InputType = InputType.Text,
        Required = false,
        MaxLength = 200,
    };

    private static string? Optional(InteractionInputCollection? arguments, string name) =>
        arguments is not null && arguments.TryGetByName(name, out var input) && !string.IsNullOrWhiteSpace(input.Value) ? input.Value.Trim() : null;

    private static string OfType(string? type) => type is null ? "" : $" of type '{type}'";
}
