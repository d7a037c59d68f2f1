using System.Globalization;
using System.Text;
using JobQueue.Benchmarks.Scenarios;

namespace JobQueue.Benchmarks.Reporting;

/// <summary>An SVG line chart of drain throughput against worker processes, one line per system.</summary>
public static class DrainChart
{
    private const int Width = 640, Height = 360, Left = 70, Right = 130, Top = 40, Bottom = 50;
    private static readonly Dictionary<string, string> Colors = new() { ["JobQueue"] = "#0f6cbd", ["BullMQ"] = "#d13438", ["Hangfire"] = "#8a8886" };

    public static string Render(IReadOnlyList<DrainResult> drain)
    {
        var workers = drain.Select(d => d.Workers).Distinct().Order().ToArray();
        var top = NiceCeiling(drain.Max(d => d.PerSecond));
        double X(int w) => Left + (workers.Length == 1 ? 0.5 : Array.IndexOf(workers, w) / (double)(workers.Length - 1)) * (Width - Left - Right);
        double Y(double v) => Height - Bottom - v / top * (Height - Top - Bottom);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" font-family="sans-serif" font-size="12">""");
        svg.Append("""<rect width="100%" height="100%" fill="white"/>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Width / 2}" y="22" text-anchor="middle" font-size="14">Drain throughput ({drain[0].Jobs:N0} no-op jobs, concurrency {drain[0].Concurrency} per worker)</text>""");
        for (var i = 0; i <= 5; i++)
        {
            var value = top * i / 5;
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{Left}" x2="{Width - Right}" y1="{Y(value):F1}" y2="{Y(value):F1}" stroke="#ddd"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left - 8}" y="{Y(value) + 4:F1}" text-anchor="end">{value:N0}</text>""");
        }

        foreach (var w in workers)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{X(w):F1}" y="{Height - Bottom + 18}" text-anchor="middle">{w}</text>""");
        }

        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{(Left + Width - Right) / 2}" y="{Height - 12}" text-anchor="middle">worker processes</text>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="16" y="{(Top + Height - Bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 {(Top + Height - Bottom) / 2})">jobs/s</text>""");
        var legend = 0;
        foreach (var system in drain.GroupBy(d => d.System))
        {
            var color = Colors.GetValueOrDefault(system.Key, "#555");
            var points = string.Join(' ', system.OrderBy(d => d.Workers).Select(d => $"{X(d.Workers):F1},{Y(d.PerSecond):F1}"));
            svg.Append(CultureInfo.InvariantCulture, $"""<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.5"/>""");
            foreach (var d in system)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<circle cx="{X(d.Workers):F1}" cy="{Y(d.PerSecond):F1}" r="4" fill="{color}"/>""");
            }

            var y = Top + 10 + legend++ * 20;
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{Width - Right + 15}" y="{y - 9}" width="14" height="4" fill="{color}"/><text x="{Width - Right + 35}" y="{y - 3}">{system.Key}</text>""");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>The next round number above <paramref name="value"/> (1, 2 or 5 times a power of ten), for the y axis.</summary>
    private static double NiceCeiling(double value)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(value, 1))));
        return new[] { 1, 2, 5, 10 }.Select(m => m * power).First(v => v >= value);
    }
}
