using Microsoft.AspNetCore.Http;

namespace JobQueue.Dashboard;

/// <summary>The dashboard's stylesheet and script, embedded in its assembly: the host app needs no static files set-up.</summary>
internal static class DashboardAssets
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        ["dashboard.css"] = "text/css; charset=utf-8",
        ["dashboard.js"] = "text/javascript; charset=utf-8",
    };

    private static readonly Dictionary<string, byte[]> Contents = Types.Keys.ToDictionary(name => name, Read);

    public static IResult Serve(string name, HttpContext http)
    {
        if (!Contents.TryGetValue(name, out var content))
        {
            return Results.NotFound();
        }

        http.Response.Headers.CacheControl = "public, max-age=3600";
        return Results.Bytes(content, Types[name]);
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream("JobQueue.Dashboard.Assets." + name)
            ?? throw new InvalidOperationException($"The dashboard asset {name} is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
