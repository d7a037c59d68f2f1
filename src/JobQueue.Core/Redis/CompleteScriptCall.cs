using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// The keys and arguments of one complete.lua call, in the order its header lists them, built here and nowhere else:
/// four keys, then each attempt's job hash; <see cref="Leading"/> arguments, then <see cref="PerAttempt"/> per attempt in the slots named below.
/// </summary>
internal sealed class CompleteScriptCall
{
    private const int Leading = 5, PerAttempt = 3;
    private const int Token = 1, Decision = 2, ResultOrError = 3;

    public CompleteScriptCall(QueueKeys keys, QueueOptions options, IReadOnlyList<AttemptEnd> ends)
    {
        Keys = new RedisKey[4 + ends.Count];
        (Keys[0], Keys[1], Keys[2], Keys[3]) = (keys.Stream, keys.Dead, keys.Stats, keys.Scheduled);
        Arguments = new RedisValue[Leading + PerAttempt * ends.Count];
        (Arguments[0], Arguments[1], Arguments[2], Arguments[3], Arguments[4]) = (QueueKeys.ConsumerGroup, keys.Events.ToString(),
            (long)options.Retention.TotalMilliseconds, (long)options.DeadLetterRetention.TotalMilliseconds, keys.JobPrefix);
        for (var i = 0; i < ends.Count; i++)
        {
            var (job, step, text) = ends[i];
            Keys[4 + i] = keys.Job(job.JobId);
            Set(i + 1, Token, job.Token);
            Set(i + 1, Decision, DecisionArgument(step));
            Set(i + 1, ResultOrError, text);
        }
    }

    public RedisKey[] Keys { get; }

    public RedisValue[] Arguments { get; }

    /// <summary>"done", "fail", or a retry's delay in ms ("0": queued again at once).</summary>
    private static RedisValue DecisionArgument(NextStep step) => step.Decision switch
    {
        AttemptDecision.Done => "done",
        AttemptDecision.Retry => (long)step.RetryDelay.TotalMilliseconds,
        _ => "fail",
    };

    /// <summary>Attempt <paramref name="i"/>'s (from 1) argument in <paramref name="slot"/>: <c>ARGV[5 + 3(i - 1) + slot]</c>.</summary>
    private void Set(int i, int slot, RedisValue value) => Arguments[Leading + PerAttempt * (i - 1) + slot - 1] = value;
}
