namespace JobQueue;

/// <summary>No schedule has this name.</summary>
public sealed class ScheduleNotFoundException(string name) : Exception($"There is no schedule '{name}'.")
{
    public string Name => name;
}
