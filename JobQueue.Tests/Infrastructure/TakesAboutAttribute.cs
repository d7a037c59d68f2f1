namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// About how long a test class, or a collection of classes sharing one app, runs on a 2-core machine, its fixture
/// included: what <see cref="LongestFirstCollectionOrderer"/> sorts by. Only the long ones say it; a rough figure
/// (measured from a run's report, rounded) is enough to order them.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class TakesAboutAttribute(int seconds) : Attribute
{
    public int Seconds { get; } = seconds;
}
