using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Integration;

/// <summary>Workflows over HTTP through the AppHost: a flow in one request, a job waiting for an existing one, what a failure does, a retry.</summary>
[Collection(AppCollection.Name)]
public sealed class WorkflowApiTests(AppFixture app)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_flow_posted_in_one_request_runs_its_children_then_its_parent_which_collects_their_results()
    {
        var children = Enumerable.Range(0, 5).Select(i => new { @ref = $"page-{i}", type = "echo", payload = new { page = i } });
        var parent = new { @ref = "book", type = "collect", payload = new { }, depends_on = children.Select(c => (object)c.@ref).ToArray() };

        using var response = await app.Api.PostAsJsonAsync("/workflows", new { jobs = children.Cast<object>().Append(parent) });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobs").EnumerateArray().ToList();
        Assert.Equal(["page-0", "page-1", "page-2", "page-3", "page-4", "book"], accepted.Select(j => j.GetProperty("ref").GetString()));
        Assert.Equal("waiting", accepted[5].GetProperty("status").GetString());
        var ids = accepted.Select(j => j.GetProperty("job_id").GetString()!).ToList();

        var book = await WaitForStatusAsync(ids[5], "done");
        var results = book.GetProperty("result").GetProperty("results");
        Assert.Equal(5, book.GetProperty("result").GetProperty("count").GetInt32());
        Assert.All(Enumerable.Range(0, 5), i => Assert.Equal(i, results.GetProperty(ids[i]).GetProperty("page").GetInt32()));
        var workflow = book.GetProperty("workflow");
        Assert.Equal((5, 0), (workflow.GetProperty("dependencies_total").GetInt32(), workflow.GetProperty("dependencies_pending").GetInt32()));
        Assert.All(workflow.GetProperty("dependencies").EnumerateArray(), d =>
            Assert.Equal(("done", "fail"), (d.GetProperty("status").GetString(), d.GetProperty("on_failure").GetString())));
        var page = await app.Api.GetFromJsonAsync<JsonElement>($"/jobs/{ids[0]}");
        Assert.Equal([(ids[5], "done")], page.GetProperty("workflow").GetProperty("dependants").EnumerateArray()
            .Select(d => (d.GetProperty("job_id").GetString(), d.GetProperty("status").GetString())));
    }

    [Fact]
    public async Task A_job_waiting_for_one_that_fails_for_good_fails_by_default_and_runs_once_that_one_is_retried_and_succeeds()
    {
        var flaky = await SubmitAsync(new { type = "fail", payload = new { times = 1 }, max_attempts = 1 });
        var strict = await SubmitAsync(new { type = "echo", payload = "strict", depends_on = new[] { flaky } });
        var lenient = await SubmitAsync(new { type = "echo", payload = "lenient", depends_on = new object[] { new { job = flaky, on_failure = "continue" } } });

        var failed = await WaitForStatusAsync(strict, "failed");
        Assert.Equal($"dependency {flaky} ended failed", failed.GetProperty("last_error").GetString());
        Assert.Equal(flaky, failed.GetProperty("workflow").GetProperty("settled_by").GetString());
        Assert.Equal("lenient", (await WaitForStatusAsync(lenient, "done")).GetProperty("result").GetString());

        using (var retry = await app.Api.PostAsync($"/jobs/{flaky}/retry", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        }

        Assert.Equal("strict", (await WaitForStatusAsync(strict, "done")).GetProperty("result").GetString());
    }

    [Fact]
    public async Task Canceling_a_waiting_job_cancels_it_and_the_job_waiting_for_it_with_policy_cancel()
    {
        var later = await SubmitAsync(new { type = "echo", payload = 1, delay_ms = 600_000 });
        var waiting = await SubmitAsync(new { type = "echo", payload = 2, depends_on = new[] { later } });
        var next = await SubmitAsync(new { type = "echo", payload = 3, depends_on = new object[] { new { job = waiting, on_failure = "cancel" } } });
        Assert.Equal("waiting", (await app.Api.GetFromJsonAsync<JsonElement>($"/jobs/{waiting}")).GetProperty("status").GetString());

        using (var cancel = await app.Api.PostAsync($"/jobs/{waiting}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        Assert.Equal("canceled", (await app.Api.GetFromJsonAsync<JsonElement>($"/jobs/{waiting}")).GetProperty("status").GetString());
        Assert.Equal(waiting, (await WaitForStatusAsync(next, "canceled")).GetProperty("workflow").GetProperty("settled_by").GetString());
        Assert.Equal("scheduled", (await app.Api.GetFromJsonAsync<JsonElement>($"/jobs/{later}")).GetProperty("status").GetString());
    }

    private async Task<string> SubmitAsync(object job)
    {
        using var response = await app.Api.PostAsJsonAsync("/jobs", job);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!;
    }

    private Task<JsonElement> WaitForStatusAsync(string id, string status) =>
        Eventually.WaitAsync(() => app.Api.GetFromJsonAsync<JsonElement>($"/jobs/{id}"),
            job => job.GetProperty("status").GetString() == status, Timeout, $"job {id} to be {status}");
}
