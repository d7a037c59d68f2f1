using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using JobQueue.Redis;
using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace JobQueue.Tests.Integration;

/// <summary>A feed client that stops reading is dropped after a bounded buffer, and the others never notice (an app of its own: a buffer of 200 changes).</summary>
[TakesAbout(25)]
public sealed class FeedBackPressureTests : IAsyncLifetime
{
    private const int Jobs = 1000, ResultBytes = 20_000;
    private OwnApp _own = null!;

    public async Task InitializeAsync() => _own = await OwnApp.StartAsync("--Worker:Replicas=1", "--Api:Feeds:ClientBuffer=200",
        "--Api:KeepAliveInterval=00:00:01", $"--Api:Feeds:SigningKey={TestTokens.SigningKey}");

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Fact]
    public async Task A_device_that_stops_reading_is_dropped_while_another_device_of_the_same_owner_gets_every_final_state()
    {
        const string Owner = "user-busy";
        var api = _own.Api.BaseAddress!;
        await using var reader = await FeedDevice.ConnectAsync(api, Owner, TestTokens.For(Owner));
        // A device that stops reading: a tiny receive window, and nothing read until the jobs are done.
        using var stuck = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stuck.ConnectAsync(api.Host, api.Port);
        await stuck.SendAsync(Encoding.ASCII.GetBytes(
            $"GET /owners/{Owner}/events?access_token={TestTokens.For(Owner)} HTTP/1.1\r\nHost: {api.Authority}\r\nAccept: text/event-stream\r\n\r\n"));

        // Each result is 20 KB: far more, over 1,000 jobs, than the socket buffers and Kestrel's response buffer
        // absorb. The jobs go in batches the reading device sees finish before the next: it never falls more than
        // a batch behind, far inside its buffer, while the stuck device falls ever further.
        var options = Options.Create(new QueueOptions());
        var store = new JobStore(_own.Redis, new QueueDirectory(_own.Redis, options), options);
        var payload = "\"" + new string('x', ResultBytes) + "\"";
        var ids = new List<string>();
        foreach (var batch in Enumerable.Range(0, Jobs).Chunk(25))
        {
            var added = (await store.EnqueueManyAsync([.. batch.Select(_ => new NewJob("echo", payload, Owner: Owner))])).Select(r => r.Job.Id).ToList();
            await reader.WaitForFinalAsync(added, TimeSpan.FromSeconds(30));
            ids.AddRange(added);
        }

        // Now read what the stuck device was sent: the server ended its connection (a live one would go on with
        // keep-alives every second), long before the last job's state.
        var received = 0L;
        var buffer = new byte[64 * 1024];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            int read;
            while ((read = await stuck.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0)
            {
                received += read;
            }
        }
        catch (SocketException)
        {
            // Reset by the server: dropped.
        }

        Assert.False(deadline.IsCancellationRequested, "the stuck device's connection was never ended");
        Assert.True(received < (long)Jobs * ResultBytes, $"the stuck device was sent {received} bytes: all of it, so it was never dropped");
        Assert.All(ids, id => Assert.Equal("done", reader.Latest[id].Status));
        Assert.Equal(WebSocketState.Open, reader.State);
        TestReport.Add($"Feed back-pressure: a device that stopped reading was dropped after {received / 1024} KiB of {Jobs * ResultBytes / 1024} KiB; the reading device got all {Jobs} final states and stayed connected");
    }
}
