using System.Reflection;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("JobQueue.Tests.Infrastructure.LongestCollectionsFirst", "JobQueue.Tests")]

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// Starts the test collections with the most test methods first. The suite runs a few collections at once, each
/// collection's tests in a row; the <see cref="AppCollection"/> (over a hundred tests on one shared app, about five
/// minutes) started late ran alone at the end while the other threads sat idle. Started first, the short collections
/// fill in around it. (Test methods stand in for duration: xunit gives an orderer the collections, not their tests.)
/// </summary>
public sealed class LongestCollectionsFirst : ITestCollectionOrderer
{
    /// <summary>Each collection's name (<c>[Collection]</c>'s, else the one xunit gives a class alone) and its test methods.</summary>
    private static readonly Dictionary<string, int> TestMethods = typeof(LongestCollectionsFirst).Assembly.GetTypes()
        .Where(t => t.IsClass && !t.IsAbstract)
        .Select(t => (Collection: CollectionOf(t), Tests: t.GetMethods().Count(m => m.GetCustomAttributes<FactAttribute>().Any())))
        .Where(c => c.Tests > 0)
        .GroupBy(c => c.Collection)
        .ToDictionary(g => g.Key, g => g.Sum(c => c.Tests));

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderByDescending(c => TestMethods.GetValueOrDefault(c.DisplayName)).ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    private static string CollectionOf(Type testClass) =>
        testClass.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType == typeof(CollectionAttribute))?.ConstructorArguments[0].Value as string
        ?? $"Test collection for {testClass.FullName}";
}
