using System.Globalization;

namespace JobQueue;

/// <summary>
/// A queue spread over several hash tags, so that one busy queue can use every master of a Redis Cluster. Partition 0
/// is the queue itself (<c>{emails}:...</c>); partition i is a queue of its own named <c>emails~i</c>
/// (<c>{emails~1}:...</c>: '~' is in no queue name, so no queue a user names can collide with one). Each partition
/// keeps its own stream, jobs, schedule and dead letters; jobs are spread over them by their group or idempotency key
/// (so each group and each key lives in one), else at random; workers read every partition.
/// </summary>
public static class QueuePartitions
{
    /// <summary>The most partitions a queue may have.</summary>
    public const int Max = 64;

    private const char Separator = '~';

    /// <summary>The name of partition <paramref name="index"/> of <paramref name="queue"/> (0: the queue's own name).</summary>
    public static string NameOf(string queue, int index) =>
        index == 0 ? queue : queue + Separator + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The queue a partition belongs to (<c>emails~2</c>: <c>emails</c>; a queue's own name: itself).</summary>
    public static string QueueOf(string name) => name.IndexOf(Separator) is var at and >= 0 ? name[..at] : name;

    /// <summary>The partition's index (<c>emails~2</c>: 2; a queue's own name: 0).</summary>
    public static int IndexOf(string name) =>
        name.IndexOf(Separator) is var at and >= 0 ? int.Parse(name.AsSpan(at + 1), CultureInfo.InvariantCulture) : 0;

    /// <summary>Whether <paramref name="name"/> is partition 1 or later of a queue with a valid name.</summary>
    public static bool IsPartitionName(string name) =>
        name.IndexOf(Separator) is var at and > 0 && QueueName.IsValid(name[..at])
        && int.TryParse(name.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
        && index is > 0 and < Max && NameOf(name[..at], index) == name;

    /// <summary>
    /// The partition a key (a job's group or idempotency key) belongs to: the same for the same key in every process
    /// (FNV-1a over its UTF-16 code units, not <see cref="string.GetHashCode()"/>, which differs per process).
    /// </summary>
    public static int ForKey(string key, int partitions)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)partitions);
    }
}
