using JobQueue.Redis;

namespace JobQueue.Tests.Engine;

/// <summary>What follows an attempt, decided in one place (<see cref="JobLifecycle.AfterAttempt"/>) and carried out by complete.lua.</summary>
public sealed class AttemptDecisionTests
{
    [Theory]
    [InlineData(AttemptOutcome.Succeeded, 1, 2, AttemptDecision.Done)]
    [InlineData(AttemptOutcome.Succeeded, 2, 2, AttemptDecision.Done)]
    [InlineData(AttemptOutcome.Failed, 1, 2, AttemptDecision.Retry)]
    [InlineData(AttemptOutcome.Failed, 2, 2, AttemptDecision.Fail)]
    [InlineData(AttemptOutcome.Failed, 1, 1, AttemptDecision.Fail)]
    [InlineData(AttemptOutcome.FailedPermanently, 1, 5, AttemptDecision.Fail)]
    public void A_failed_attempt_is_retried_while_attempts_remain_and_a_permanent_failure_never_is(
        AttemptOutcome outcome, int attempt, int maxAttempts, AttemptDecision expected) =>
        Assert.Equal(expected, JobLifecycle.AfterAttempt(outcome, attempt, maxAttempts));
}
