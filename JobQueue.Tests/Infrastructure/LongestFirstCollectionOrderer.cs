using Xunit;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("JobQueue.Tests.Infrastructure.LongestFirstCollectionOrderer", "JobQueue.Tests")]

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// Starts the longest test collections first. xUnit runs as many collections at once as the machine has cores, starting
/// them in this order, and the run ends when its last collection does: a long one started late (the classes that share
/// the app run one after another, four minutes together) runs alone at the end while the other cores idle. Longest
/// first, the short ones fill in last. A collection's length is what its definition or class says
/// (<see cref="TakesAboutAttribute"/>); one that says nothing is short.
/// </summary>
public sealed class LongestFirstCollectionOrderer : ITestCollectionOrderer
{
    /// <summary>How xUnit names the collection of a class that names none (one collection per class).</summary>
    private const string ClassCollectionPrefix = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderByDescending(Seconds).ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    private static int Seconds(ITestCollection collection)
    {
        var type = collection.CollectionDefinition ?? (collection.DisplayName.StartsWith(ClassCollectionPrefix, StringComparison.Ordinal)
            ? collection.TestAssembly.Assembly.GetType(collection.DisplayName[ClassCollectionPrefix.Length..].Split(' ')[0])
            : null);
        return type?.GetCustomAttributes(typeof(TakesAboutAttribute).AssemblyQualifiedName).SingleOrDefault()?.GetConstructorArguments().Single() is int seconds
            ? seconds
            : 0;
    }
}
