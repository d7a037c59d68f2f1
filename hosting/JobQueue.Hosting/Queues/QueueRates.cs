namespace JobQueue.Hosting.Queues;

/// <summary>
/// Jobs ended per minute by outcome, from the differences of a queue's totals over the last minute of readings (the
/// totals only grow; a drop means the queue's keys were deleted, and the rate starts again from there).
/// </summary>
internal sealed class QueueRates
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Queue<QueueFigures> _readings = new();

    public void Add(QueueFigures figures)
    {
        if (_readings.Count > 0 && figures.Stats.Totals.Any(t => t.Value < _readings.Last().Total(t.Key)))
        {
            _readings.Clear();
        }

        _readings.Enqueue(figures);
        while (_readings.Count > 2 && _readings.Peek().At < figures.At - Window)
        {
            _readings.Dequeue();
        }
    }

    /// <summary>Jobs that ended <paramref name="status"/> per minute over the readings kept; 0 until there are two.</summary>
    public double PerMinute(string status)
    {
        if (_readings.Count < 2)
        {
            return 0;
        }

        var (first, last) = (_readings.Peek(), _readings.Last());
        var minutes = (last.At - first.At).TotalMinutes;
        return minutes > 0 ? Math.Round((last.Total(status) - first.Total(status)) / minutes, 1) : 0;
    }
}
