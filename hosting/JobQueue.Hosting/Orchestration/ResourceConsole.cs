namespace JobQueue.Hosting.Orchestration;

/// <summary>Writes each replica's output to the AppHost's console, every line prefixed with the replica's name.</summary>
internal sealed class ResourceConsole(bool enabled)
{
    private static readonly ConsoleColor[] Colors =
        [ConsoleColor.Cyan, ConsoleColor.Green, ConsoleColor.Yellow, ConsoleColor.Magenta, ConsoleColor.Blue, ConsoleColor.DarkCyan];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ConsoleColor> _colors = [];
    private readonly bool _colored = !Console.IsOutputRedirected;

    public void WriteLine(string replicaName, string line)
    {
        if (!enabled)
        {
            return;
        }

        lock (_gate)
        {
            if (!_colors.TryGetValue(replicaName, out var color))
            {
                color = _colors[replicaName] = Colors[_colors.Count % Colors.Length];
            }

            if (_colored)
            {
                Console.ForegroundColor = color;
            }

            Console.Out.Write($"{replicaName,-9}| ");
            if (_colored)
            {
                Console.ResetColor();
            }

            Console.Out.WriteLine(line);
        }
    }
}
