namespace JobQueue.Hosting.Dashboard.Telemetry;

/// <summary>Turns an instrument's cumulative points into something to plot.</summary>
public static class MetricSeries
{
    /// <summary>Counters: the rate per second between exports. Histograms: the mean of what was recorded between exports. Others: the value.</summary>
    public static IReadOnlyList<(DateTimeOffset Time, double Value)> Values(Instrument instrument)
    {
        var points = instrument.Points.ToList();
        if (instrument.Kind is InstrumentKind.Gauge or InstrumentKind.UpDownCounter)
        {
            return [.. points.Select(p => (p.Time, p.Value))];
        }

        var values = new List<(DateTimeOffset, double)>();
        for (var i = 1; i < points.Count; i++)
        {
            var (previous, current) = (points[i - 1], points[i]);
            var seconds = (current.Time - previous.Time).TotalSeconds;
            if (seconds <= 0 || current.Value < previous.Value)
            {
                continue; // a restart reset the cumulative value
            }

            if (instrument.Kind == InstrumentKind.Counter)
            {
                values.Add((current.Time, (current.Value - previous.Value) / seconds));
            }
            else
            {
                var count = current.Count - previous.Count;
                values.Add((current.Time, count == 0 ? 0 : (current.Value - previous.Value) / count));
            }
        }

        return values;
    }
}
