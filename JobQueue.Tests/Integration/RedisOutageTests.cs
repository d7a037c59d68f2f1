using System.Net;
using JobQueue.Tests.Infrastructure;

namespace JobQueue.Tests.Integration;

[Collection(AppCollection.Name)]
public sealed class RedisOutageTests(AppFixture app)
{
    [Fact]
    public async Task While_redis_hangs_the_api_answers_503_and_everything_resumes_by_itself_afterwards()
    {
        var redisPid = app.Resources.Get("redis", 0).Pid!.Value;
        var workers = app.Resources.Of("worker").Select(w => w.Pid).ToList();

        Signals.Send(redisPid, Signals.Stop);
        HttpResponseMessage response;
        try
        {
            response = await app.Api.PostAsync("/jobs", JsonContent("""{"payload":{"during":"outage"}}"""));
            // Longer than any Redis command timeout, so every worker loop meets the outage.
            await Task.Delay(TimeSpan.FromSeconds(8));
        }
        finally
        {
            Signals.Send(redisPid, Signals.Continue);
        }

        using (response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Headers.RetryAfter);
        }

        // Workers backed off during the outage and read again without a restart.
        var after = app.Resources.Of("worker");
        Assert.All(after, w => Assert.Equal(KnownResourceStates.Running, w.State));
        Assert.Equal(workers, after.Select(w => w.Pid));
        var jobId = await app.SubmitAsync(new { payload = new { after = "outage" } });
        var job = await app.WaitForTerminalAsync(jobId, TimeSpan.FromSeconds(45));
        Assert.Equal("done", job.GetProperty("status").GetString());
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
