using Microsoft.Extensions.Configuration;

/// <summary>Passes a section of the AppHost's configuration on to a project, as the project reads configuration from its environment.</summary>
internal static class ConfigurationEnvironmentExtensions
{
    /// <summary>Every value under <paramref name="section"/> as an environment variable (<c>Queue:Emails:MaxAttempts</c> becomes <c>Queue__Emails__MaxAttempts</c>).</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, IConfigurationSection section)
        where T : IResourceWithEnvironment
    {
        foreach (var (key, value) in section.AsEnumerable())
        {
            if (value is not null)
            {
                builder.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
            }
        }

        return builder;
    }
}
