using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>
/// Fleet-wide state (docs/fleet.md) with real processes: a Redis (cluster or standalone: the two subclasses), an origin and
/// two edges on loopback. Every test starts its own Redis and fleet, because the fault tests break them.
/// </summary>
public abstract class FleetTests : IAsyncLifetime
{
    private RedisNodes _redis = null!;

    private protected abstract Task<RedisNodes> StartRedisAsync();

    public async Task InitializeAsync() => _redis = await StartRedisAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task ViewersOnBothEdges_ReceiveByteIdenticalOrderedStreams()
    {
        await using var fleet = await FleetRig.StartAsync(_redis, ["vera"]);
        await using var atA = await TestViewer.ConnectAsync(fleet.EdgeA.StreamPort, "vera chan01\n");
        await using var atB = await TestViewer.ConnectAsync(fleet.EdgeB.StreamPort, "vera chan01\n");
        await Eventually.TrueAsync(async () => await ViewersAsync(fleet.EdgeA) == 1 && await ViewersAsync(fleet.EdgeB) == 1);

        // Reversed pairs at the origin's source: the origin puts them in order, the edges relay that order.
        foreach (var sequence in Enumerable.Range(0, 200).Select(s => (ulong)s).Chunk(2).SelectMany(pair => pair.Reverse()))
        {
            await fleet.Origin.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }
        var expected = Enumerable.Range(0, 200).SelectMany(s => TestPayloads.For(0, (ulong)s)).ToArray();
        await atA.WaitForLengthAsync(expected.Length, TimeSpan.FromSeconds(10));
        await atB.WaitForLengthAsync(expected.Length, TimeSpan.FromSeconds(10));

        Assert.Equal(expected, atA.Received);
        Assert.Equal(expected, atB.Received);
    }

    [Fact]
    public async Task TwoHundredParallelAttemptsOverBothEdges_ExactlyThreeAdmitted()
    {
        await using var fleet = await FleetRig.StartAsync(_redis, ["lim"]);
        var edges = new[] { fleet.EdgeA, fleet.EdgeB };
        var random = new Random(11);
        var viewers = new List<TestViewer>();
        var httpAdmitted = 0;
        var attempts = Enumerable.Range(0, 200).Select(async i =>
        {
            var edge = edges[i % 2];
            if (random.Next(2) == 0)
            {
                using var response = await edge.Http.PutAsync($"/streaming?account=lim&streamId=s{i}", null);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.True(body.TryGetProperty("status", out var field), body.ToString());
                var status = field.GetString();
                if (status == "ACTIVE")
                {
                    Interlocked.Increment(ref httpAdmitted);
                }
                return;
            }
            var viewer = await TestViewer.ConnectAsync(edge.StreamPort, "lim zato01\n");
            lock (viewers)
            {
                viewers.Add(viewer);
            }
        });
        await Task.WhenAll(attempts);

        // Refused viewers get ERR 429 and are closed; admitted ones get nothing (the channel is not live) and stay.
        await Eventually.TrueAsync(() => Task.FromResult(httpAdmitted + viewers.Count(v => !v.Closed) == 3), TimeSpan.FromSeconds(30));
        await Task.Delay(500);
        Assert.Equal(3, httpAdmitted + viewers.Count(v => !v.Closed));
        Assert.All(viewers.Where(v => v.Closed), v => Assert.StartsWith("ERR 429 stream limit reached", v.ReceivedText, StringComparison.Ordinal));
        Assert.Equal(3, await ActiveAsync(fleet.EdgeA, "lim"));
        Assert.Equal(3, await ActiveAsync(fleet.EdgeB, "lim"));
        foreach (var viewer in viewers)
        {
            await viewer.DisposeAsync();
        }
    }

    [Fact]
    public async Task HttpSessionOpenedOnEdgeA_HeartbeatsOnEdgeB_DroppedOneSaysSo_AndASilentOneExpires()
    {
        await using var fleet = await FleetRig.StartAsync(_redis, ["hal"]);
        for (var i = 0; i < 4; i++)
        {
            using var put = await fleet.EdgeA.Http.PutAsync($"/streaming?account=hal&streamId=tv{i}", null);
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var beat = await fleet.EdgeB.Http.GetAsync("/streaming?account=hal&streamId=tv0"))
        {
            Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
            Assert.Equal("ACTIVE", (await beat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }
        using (var beat = await fleet.EdgeB.Http.GetAsync("/streaming?account=hal&streamId=tv3"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, beat.StatusCode);
            Assert.Equal("Threshold Limit reached", (await beat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        }
        // tv0 keeps heartbeating (on either edge); tv1 falls silent and its lease runs out after the TTL.
        var silent = Stopwatch.StartNew();
        while (silent.Elapsed < FleetRig.SessionTtl + TimeSpan.FromSeconds(1))
        {
            using var beat = await fleet.EdgeA.Http.GetAsync("/streaming?account=hal&streamId=tv0");
            Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
            await Task.Delay(500);
        }
        using (var beat = await fleet.EdgeB.Http.GetAsync("/streaming?account=hal&streamId=tv1"))
        {
            Assert.Equal(HttpStatusCode.NotFound, beat.StatusCode);
        }
        Assert.Equal(1, await ActiveAsync(fleet.EdgeB, "hal"));
    }

    [Fact]
    public async Task UsageWatchedOnEdgeA_IsReportedByEdgeB()
    {
        await using var fleet = await FleetRig.StartAsync(_redis, ["uma"]);
        using var pumping = new CancellationTokenSource();
        var pump = PumpAsync(fleet.Origin.Source, pumping.Token);
        var watch = Stopwatch.StartNew();
        await using (var viewer = await TestViewer.ConnectAsync(fleet.EdgeA.StreamPort, "uma chan01\n"))
        {
            await viewer.WaitForLengthAsync(1, TimeSpan.FromSeconds(5));
            await Task.Delay(3000);
        }
        var watched = watch.Elapsed.TotalSeconds;

        await Eventually.TrueAsync(async () => (await fleet.EdgeB.UsageAsync("uma")).GetValueOrDefault("chan01") >= 2);
        Assert.InRange((await fleet.EdgeB.UsageAsync("uma"))["chan01"], 2, (long)Math.Ceiling(watched));
        await pumping.CancelAsync();
        await pump;
    }

    [Fact]
    public async Task Chat_FromEdgeA_ReachesTheRecipientAndTheRoomOnEdgeB_AndTheFourthConnectionIsRefusedFleetWide()
    {
        await using var fleet = await FleetRig.StartAsync(_redis, ["coop", "gordon", "carol"]);
        await using var coop = await ChatClient.ConnectAsync(fleet.EdgeA.HttpPort, "coop");
        await using var gordon = await AdmittedChatAsync(fleet.EdgeB, "gordon");

        await coop.SendAsync("""{"recipient":"gordon","message":"hi from A"}""");
        Assert.Equal("""{"ok":"message sent with success"}""", (await coop.ReceiveAsync())!.Value.GetRawText());
        var direct = (await gordon.ReceiveAsync())!.Value;
        Assert.Equal("coop", direct.GetProperty("sender").GetString());
        Assert.Equal("hi from A", direct.GetProperty("message").GetString());

        foreach (var member in new[] { coop, gordon })
        {
            await member.SendAsync("""{"join":"zato01"}""");
            Assert.Equal("joined zato01", (await member.ReceiveAsync())!.Value.GetProperty("ok").GetString());
        }
        await coop.SendAsync("""{"room":"zato01","message":"goal!"}""");
        var inRoom = (await gordon.ReceiveAsync())!.Value;
        Assert.Equal("zato01", inRoom.GetProperty("room").GetString());
        Assert.Equal("goal!", inRoom.GetProperty("message").GetString());

        await using var carol1 = await AdmittedChatAsync(fleet.EdgeA, "carol");
        await using var carol2 = await AdmittedChatAsync(fleet.EdgeA, "carol");
        await using var carol3 = await AdmittedChatAsync(fleet.EdgeB, "carol");
        await using var carol4 = await ChatClient.ConnectAsync(fleet.EdgeB.HttpPort, "carol");
        Assert.Contains("at most 3 chat connections", (await carol4.ReceiveAsync())!.Value.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Null(await carol4.ReceiveAsync());
    }

    [Fact]
    public async Task EdgeKilledHard_ItsSessionsExpireWithinTheTtl_AndTheAccountWatchesElsewhere()
    {
        await using var fleet = await FleetRig.StartAsync(_redis, ["kim"]);
        var viewers = new List<TestViewer>();
        for (var i = 0; i < 3; i++)
        {
            viewers.Add(await TestViewer.ConnectAsync(fleet.EdgeA.StreamPort, "kim zato01\n"));
        }
        await Eventually.TrueAsync(async () => await ActiveAsync(fleet.EdgeB, "kim") == 3);
        await using (var refused = await TestViewer.ConnectAsync(fleet.EdgeB.StreamPort, "kim zato01\n"))
        {
            Assert.StartsWith("ERR 429", await refused.ReadUntilClosedAsync(TimeSpan.FromSeconds(5)), StringComparison.Ordinal);
        }

        await fleet.EdgeA.KillHardAsync();
        var killed = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () => await ActiveAsync(fleet.EdgeB, "kim") == 0, FleetRig.SessionTtl + TimeSpan.FromSeconds(5));
        // Leases are renewed every TTL/3, so the last one runs out at most a TTL after the kill (plus polling).
        Assert.True(killed.Elapsed < FleetRig.SessionTtl + TimeSpan.FromSeconds(1.5), $"sessions outlived the edge by {killed.Elapsed}");
        await using var elsewhere = await TestViewer.ConnectAsync(fleet.EdgeB.StreamPort, "kim zato01\n");
        await Task.Delay(500);
        Assert.False(elsewhere.Closed, elsewhere.ReceivedText);
        foreach (var viewer in viewers)
        {
            await viewer.DisposeAsync();
        }
    }

    [Fact]
    public async Task RedisNodeStoppedAndRestarted_ViewersKeepWatching_NewSessionsGet503_UsageIsWrittenOnce()
    {
        await using var fleet = await FleetRig.StartAsync(_redis, ["mia", "ned"]);
        using var pumping = new CancellationTokenSource();
        var pump = PumpAsync(fleet.Origin.Source, pumping.Token);
        var watch = Stopwatch.StartNew();
        var viewer = await TestViewer.ConnectAsync(fleet.EdgeA.StreamPort, "mia chan01\n");
        await viewer.WaitForLengthAsync(1, TimeSpan.FromSeconds(5));
        var node = await _redis.NodeHoldingAsync("castd:{mia}:user");

        await _redis.StopAsync(node);
        await Eventually.TrueAsync(async () => !await ReadyAsync(fleet.EdgeA) && !await ReadyAsync(fleet.EdgeB));
        // mia's slot is on the stopped node (ned's too once a cluster without it declares itself down).
        await using (var refused = await TestViewer.ConnectAsync(fleet.EdgeB.StreamPort, "mia chan01\n"))
        {
            Assert.Equal("ERR 503 state store unavailable\n", await refused.ReadUntilClosedAsync(TimeSpan.FromSeconds(5)));
        }
        using (var put = await fleet.EdgeB.Http.PutAsync("/streaming?account=mia&streamId=tv", null))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
            Assert.StartsWith("state store unavailable", (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        await Eventually.TrueAsync(async () => (await fleet.EdgeA.HealthAsync()).GetProperty("usage").GetProperty("bufferedRecords").GetInt32() > 0);
        // The viewer goes on receiving while Redis is down.
        await viewer.WaitForLengthAsync(viewer.ReceivedLength + 10_000, TimeSpan.FromSeconds(5));
        Assert.False(viewer.Closed);

        await _redis.RestartAsync(node);
        await Eventually.TrueAsync(async () => await ReadyAsync(fleet.EdgeA) && await ReadyAsync(fleet.EdgeB), TimeSpan.FromSeconds(20));
        await Eventually.TrueAsync(async () => (await fleet.EdgeA.HealthAsync()).GetProperty("usage").GetProperty("bufferedRecords").GetInt32() == 0);
        await viewer.DisposeAsync();
        var watched = watch.Elapsed.TotalSeconds;
        await Eventually.TrueAsync(async () => (await fleet.EdgeA.HealthAsync()).GetProperty("viewers").GetInt32() == 0);
        await Task.Delay(1000);

        // Everything watched, outage included, counted once: never more than the wall time the viewer was connected.
        var usage = (await fleet.EdgeB.UsageAsync("mia"))["chan01"];
        Assert.InRange(usage, (long)watched - 2, (long)Math.Ceiling(watched));
        Assert.Equal(0, (await fleet.EdgeA.HealthAsync()).GetProperty("usage").GetProperty("droppedMilliseconds").GetInt64());
        await using var after = await TestViewer.ConnectAsync(fleet.EdgeB.StreamPort, "ned chan01\n");
        await after.WaitForLengthAsync(1, TimeSpan.FromSeconds(5));
        await pumping.CancelAsync();
        await pump;
    }

    [Fact]
    public async Task OriginKilledHard_EdgesRedial_AndTheirViewersResume()
    {
        await using var fleet = await FleetRig.StartAsync(_redis, ["otto"]);
        await using var atA = await TestViewer.ConnectAsync(fleet.EdgeA.StreamPort, "otto chan01 framed\n");
        await using var atB = await TestViewer.ConnectAsync(fleet.EdgeB.StreamPort, "otto chan01 framed\n");
        await Eventually.TrueAsync(async () => await ViewersAsync(fleet.EdgeA) == 1 && await ViewersAsync(fleet.EdgeB) == 1);
        for (ulong sequence = 0; sequence < 10; sequence++)
        {
            await fleet.Origin.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }
        await atA.WaitForAsync(bytes => TestViewer.ParseFramed(bytes).Count == 10, TimeSpan.FromSeconds(5));

        await fleet.ReplaceOriginAsync();
        for (ulong sequence = 0; sequence < 10; sequence++)
        {
            await fleet.Origin.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }

        foreach (var viewer in new[] { atA, atB })
        {
            await viewer.WaitForAsync(bytes => TestViewer.ParseFramed(bytes).Count == 20, TimeSpan.FromSeconds(5));
            Assert.False(viewer.Closed);
        }
    }

    /// <summary>chan01 at 50 packets/s (a 20 ms media packet), so it stays live for watch time.</summary>
    private static async Task PumpAsync(TestSource source, CancellationToken stop)
    {
        for (ulong sequence = 0; !stop.IsCancellationRequested; sequence++)
        {
            await source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
            try
            {
                await Task.Delay(20, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>The WebSocket opens before castd admits it; an answer to a request means it was admitted.</summary>
    private static async Task<ChatClient> AdmittedChatAsync(CastdProcess castd, string handle)
    {
        var client = await ChatClient.ConnectAsync(castd.HttpPort, handle);
        await client.SendAsync("""{"who":"zato01"}""");
        Assert.Equal("zato01", (await client.ReceiveAsync())!.Value.GetProperty("room").GetString());
        return client;
    }

    private static async Task<int> ViewersAsync(CastdProcess castd) => (await castd.HealthAsync()).GetProperty("viewers").GetInt32();

    private static async Task<bool> ReadyAsync(CastdProcess castd)
    {
        using var response = await castd.Http.GetAsync("/readyz");
        return response.IsSuccessStatusCode;
    }

    private static async Task<int> ActiveAsync(CastdProcess castd, string account) =>
        (await castd.Http.GetFromJsonAsync<JsonElement>($"/sessions/{account}")).GetProperty("sessions")
            .EnumerateArray().Count(s => s.GetProperty("status").GetString() == "ACTIVE");
}

/// <summary>The fleet suite on a 3-master Redis Cluster: a user's keys on one slot, sharded pub/sub.</summary>
public sealed class FleetOnRedisClusterTests : FleetTests
{
    private protected override Task<RedisNodes> StartRedisAsync() => RedisNodes.StartClusterAsync();
}

/// <summary>The fleet suite on one redis-server.</summary>
public sealed class FleetOnSingleRedisTests : FleetTests
{
    private protected override Task<RedisNodes> StartRedisAsync() => RedisNodes.StartStandaloneAsync();
}
