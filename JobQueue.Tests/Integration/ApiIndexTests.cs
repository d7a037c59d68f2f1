using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Integration;

/// <summary>Someone who lands on the API's root is told where to go, and every place it names answers.</summary>
[Collection(AppCollection.Name)]
public sealed class ApiIndexTests(AppFixture app)
{
    [Fact]
    public async Task The_root_links_the_dashboard_the_submission_page_the_api_documents_and_health_and_each_answers()
    {
        var index = await app.Api.GetFromJsonAsync<JsonElement>("/");

        var links = index.GetProperty("links").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(
            ["alive", "dashboard", "docs", "health", "jobs", "openapi", "submission_page"],
            links.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, path) in links)
        {
            using var response = await app.Api.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{name} ({path}) answered {(int)response.StatusCode}");
        }
    }
}
