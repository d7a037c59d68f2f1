using JobQueue.Redis;

namespace JobQueue.Tests.Engine;

/// <summary>What follows an attempt under a job's policy, decided in one place (<see cref="JobLifecycle.AfterAttempt"/>).</summary>
public sealed class AttemptDecisionTests
{
    private static readonly JobPolicy Default = new(MaxAttempts: 2);

    [Theory]
    [InlineData(nameof(AttemptOutcome.Succeeded), 1, 2, nameof(AttemptDecision.Done))]
    [InlineData(nameof(AttemptOutcome.Succeeded), 2, 2, nameof(AttemptDecision.Done))]
    [InlineData(nameof(AttemptOutcome.Failed), 1, 2, nameof(AttemptDecision.Retry))]
    [InlineData(nameof(AttemptOutcome.Failed), 2, 2, nameof(AttemptDecision.Fail))]
    [InlineData(nameof(AttemptOutcome.Failed), 1, 1, nameof(AttemptDecision.Fail))]
    [InlineData(nameof(AttemptOutcome.Failed), 24, 25, nameof(AttemptDecision.Retry))]
    [InlineData(nameof(AttemptOutcome.FailedPermanently), 1, 5, nameof(AttemptDecision.Fail))]
    // By name: a public test method cannot take the internal enums.
    public void A_failed_attempt_is_retried_while_attempts_remain_and_a_permanent_failure_never_is(
        string outcome, int attempt, int maxAttempts, string expected) =>
        Assert.Equal(Enum.Parse<AttemptDecision>(expected),
            JobLifecycle.AfterAttempt(Enum.Parse<AttemptOutcome>(outcome), attempt, new JobPolicy(maxAttempts), Random.Shared).Decision);

    [Fact]
    public void Without_a_back_off_a_failed_job_is_retried_at_once_as_the_default_rules_say() =>
        Assert.Equal(new NextStep(AttemptDecision.Retry, TimeSpan.Zero), JobLifecycle.AfterAttempt(AttemptOutcome.Failed, 1, Default, Random.Shared));

    [Fact]
    public void A_fixed_back_off_waits_its_delay_after_every_failure()
    {
        var policy = new JobPolicy(5, Backoff.Fixed(TimeSpan.FromSeconds(3)));

        Assert.All(Enumerable.Range(1, 4), attempt =>
            Assert.Equal(TimeSpan.FromSeconds(3), JobLifecycle.AfterAttempt(AttemptOutcome.Failed, attempt, policy, Random.Shared).RetryDelay));
    }

    [Fact]
    public void An_exponential_back_off_doubles_with_jitter_in_the_upper_half_and_stops_at_its_cap()
    {
        var backoff = Backoff.Exponential(TimeSpan.FromSeconds(1), maxDelay: TimeSpan.FromSeconds(10));
        var random = new Random(42);

        for (var attempt = 1; attempt <= 8; attempt++)
        {
            var full = TimeSpan.FromSeconds(Math.Min(10, Math.Pow(2, attempt - 1)));
            var waits = Enumerable.Range(0, 200).Select(_ => backoff.After(attempt, random)).ToList();
            Assert.All(waits, wait => Assert.InRange(wait, full / 2, full));
            Assert.True(waits.Distinct().Count() > 100, $"attempt {attempt}: the waits are not jittered");
        }
    }

    [Theory]
    [InlineData(0, null, null, null, "max_attempts is from 1 to 25.")]
    [InlineData(26, null, null, null, "max_attempts is from 1 to 25.")]
    [InlineData(3, 0L, null, null, "backoff.delay_ms is from 1 to 604800000.")]
    [InlineData(3, 5000L, 1000L, null, "backoff.max_delay_ms is from delay_ms to 604800000.")]
    [InlineData(3, null, null, 50L, "timeout_ms is from 100 to 86400000.")]
    public void A_policy_out_of_bounds_says_which_bound(int maxAttempts, long? delayMs, long? maxDelayMs, long? timeoutMs, string problem)
    {
        var policy = new JobPolicy(maxAttempts,
            delayMs is { } d ? Backoff.Exponential(TimeSpan.FromMilliseconds(d), maxDelayMs is { } m ? TimeSpan.FromMilliseconds(m) : null) : null,
            timeoutMs is { } t ? TimeSpan.FromMilliseconds(t) : null);

        Assert.Equal(problem, policy.Problem());
        Assert.Equal(problem, Assert.Throws<ArgumentException>(() => policy.Validated()).Message);
    }

    [Fact]
    public void A_jobs_own_policy_wins_part_by_part_over_its_handlers_and_the_settings()
    {
        var job = new JobPolicy(MaxAttempts: 5);
        var handler = new JobPolicy(3, Backoff.Fixed(TimeSpan.FromSeconds(1)));
        var settings = new JobPolicy(2, null, TimeSpan.FromMinutes(5));

        Assert.Equal(new JobPolicy(5, Backoff.Fixed(TimeSpan.FromSeconds(1)), TimeSpan.FromMinutes(5)), job.Or(handler).Or(settings));
    }
}
