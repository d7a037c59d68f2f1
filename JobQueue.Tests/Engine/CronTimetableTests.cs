namespace JobQueue.Tests.Engine;

/// <summary>What a cron expression may be: every expression that means something is read, and nothing read can bring down the process.</summary>
public sealed class CronTimetableTests
{
    private static string All(int from, int to) => string.Join(",", Enumerable.Range(from, to - from + 1));

    [Fact]
    public void Six_fields_each_listing_every_one_of_their_values_are_read()
    {
        var cron = $"{All(0, 59)} {All(0, 59)} {All(0, 23)} {All(1, 31)} {All(1, 12)} {All(0, 6)}";

        var timetable = CronTimetable.Parse(cron, "UTC");

        var from = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(from.AddSeconds(1), timetable.NextAfter(from));
    }

    [Theory]
    [InlineData(61)]
    [InlineData(150_000)] // Cronos overflowed the stack on it: a crash no catch stops, of the API and of every worker
    public void A_field_listing_more_values_than_any_field_has_is_refused_before_it_is_parsed(int values)
    {
        var cron = string.Join(",", Enumerable.Repeat("5", values)) + " * * * *";

        var refused = Assert.Throws<InvalidScheduleException>(() => CronTimetable.Parse(cron, "UTC"));

        Assert.Contains(values > 400 ? $"at most {CronTimetable.MaxLength} characters" : $"at most {CronTimetable.MaxListItems} values", refused.Message);
    }

    [Fact]
    public void An_expression_longer_than_any_meaningful_one_is_refused()
    {
        var cron = "0 0 * * " + string.Join(",", Enumerable.Repeat("MON-FRI", 140));

        Assert.Throws<InvalidScheduleException>(() => CronTimetable.Parse(cron, "UTC"));
    }
}
