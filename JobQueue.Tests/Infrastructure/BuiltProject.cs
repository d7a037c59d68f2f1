using System.Reflection;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// The built assembly of a project the tests run as a plain process (<c>dotnet &lt;dll&gt;</c>), as <c>./test.sh</c>
/// built it: the same configuration as the tests.
/// </summary>
public static class BuiltProject
{
    /// <summary>The configuration the tests were built in (Debug under <c>./test.sh</c>; Release with <c>./test.sh -c Release</c>), which every project they start was built in too.</summary>
    public static readonly string Configuration =
        typeof(BuiltProject).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

    /// <summary>
    /// The assembly of the project at <paramref name="projectPath"/>: its .csproj, or its directory (what an AppHost's
    /// own <c>Projects.X.ProjectPath</c> gives).
    /// </summary>
    public static string AssemblyOf(string projectPath)
    {
        var directory = Directory.Exists(projectPath) ? projectPath : Path.GetDirectoryName(projectPath)!;
        var name = Directory.Exists(projectPath) ? Path.GetFileName(projectPath.TrimEnd('/')) : Path.GetFileNameWithoutExtension(projectPath);
        return Path.Combine(directory, "bin", Configuration, "net10.0", name + ".dll");
    }

    public static string AssemblyOf<TProject>() where TProject : IProjectMetadata, new() => AssemblyOf(new TProject().ProjectPath);
}
