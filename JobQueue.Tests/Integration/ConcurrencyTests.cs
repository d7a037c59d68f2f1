using System.Diagnostics;
using JobQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobQueue.Tests.Integration;

[Collection(AppCollection.Name)]
public sealed class ConcurrencyTests(AppFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task A_thousand_concurrent_submissions_all_reach_done_exactly_once()
    {
        const int jobs = 1000;
        var clock = Stopwatch.StartNew();
        var ids = new string[jobs];
        await Parallel.ForAsync(0, jobs, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
            ids[i] = await app.SubmitAsync(new { payload = new { n = i } }));
        var submitted = clock.Elapsed;

        foreach (var (id, n) in ids.Select((id, n) => (id, n)))
        {
            var job = await app.WaitForTerminalAsync(id, TimeSpan.FromSeconds(60));
            Assert.Equal("done", job.GetProperty("status").GetString());
            Assert.Equal(n, job.GetProperty("result").GetProperty("n").GetInt32());
            Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        }

        Assert.Equal(jobs, ids.Distinct().Count());
        output.WriteLine($"{jobs} jobs submitted in {submitted.TotalSeconds:F2} s, all done after {clock.Elapsed.TotalSeconds:F2} s");
    }
}
