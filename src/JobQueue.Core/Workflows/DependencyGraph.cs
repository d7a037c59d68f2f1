namespace JobQueue;

/// <summary>
/// Checks the dependencies of a batch before anything is written: what enqueue.lua cannot see cheaply (positions in
/// range, no job listed twice, no cycle among the batch's own jobs). Edges to existing jobs cannot close a cycle:
/// an existing job never waits for a new one. Whether each existing job exists, the script checks.
/// </summary>
internal static class DependencyGraph
{
    public static void Check(IReadOnlyList<NewJob> jobs)
    {
        var waitsFor = new List<int>[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
        {
            waitsFor[i] = [];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var dependency in jobs[i].DependsOn ?? [])
            {
                if (dependency.BatchIndex is { } index)
                {
                    if (index < 0 || index >= jobs.Count)
                    {
                        throw new InvalidDependencyException($"Job {i} depends on job {index} of the batch, which has {jobs.Count}.");
                    }

                    waitsFor[i].Add(index);
                }
                else if (!Guid.TryParseExact(dependency.JobId, "D", out _))
                {
                    throw new InvalidDependencyException($"Job {i} depends on '{dependency.JobId}', which is not a job id.");
                }

                if (!seen.Add(dependency.Ref))
                {
                    throw new InvalidDependencyException($"Job {i} lists the same dependency twice.");
                }
            }
        }

        if (FindCycle(waitsFor) is { } cycle)
        {
            throw new InvalidDependencyException($"The jobs of the batch wait for each other in a cycle: {string.Join(" -> ", cycle)}.");
        }
    }

    /// <summary>A cycle as the positions along it (first repeated at the end), or null: a depth-first search with three colours.</summary>
    private static List<int>? FindCycle(List<int>[] waitsFor)
    {
        var state = new byte[waitsFor.Length]; // 0 unvisited, 1 on the current path, 2 finished
        var path = new List<int>();
        for (var start = 0; start < waitsFor.Length; start++)
        {
            if (state[start] == 0 && Visit(start) is { } cycle)
            {
                return cycle;
            }
        }

        return null;

        // Iterative: a chain of 10,000 jobs must not overflow the stack.
        List<int>? Visit(int root)
        {
            var stack = new Stack<(int Node, int Next)>();
            stack.Push((root, 0));
            state[root] = 1;
            path.Add(root);
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                if (next < waitsFor[node].Count)
                {
                    stack.Push((node, next + 1));
                    var target = waitsFor[node][next];
                    if (state[target] == 1)
                    {
                        return [.. path[path.IndexOf(target)..], target];
                    }

                    if (state[target] == 0)
                    {
                        state[target] = 1;
                        path.Add(target);
                        stack.Push((target, 0));
                    }
                }
                else
                {
                    state[node] = 2;
                    path.RemoveAt(path.Count - 1);
                }
            }

            return null;
        }
    }
}
