using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Castd.Tests.Integration.Infrastructure;
using static Castd.Tests.Integration.Infrastructure.HealthChannels;

namespace Castd.Tests.Integration;

/// <summary>Relay tiers (docs/relay.md): an origin's relay port feeds plain castd edges, over loopback, real processes.</summary>
public sealed class RelayTests
{
    [Fact]
    public async Task RelayPort_SendsEveryChannelInOrderAsCast02Frames_FromTheLivePointOn()
    {
        var relayPort = FreePorts.Next();
        await using var origin = await CastdRig.StartAsync(["alice"], Relay(relayPort));
        await origin.Source.SendAsync("chan01", 0, TestPayloads.For(0, 0));
        // Released (after the start-up hold) before the relay joins: it is not the relay's.
        await Eventually.TrueAsync(async () => Released(await origin.Castd.HealthAsync(), "chan01") == 1);

        await using var edge = await TestViewer.ConnectAsync(relayPort, requestLine: null);
        await Eventually.TrueAsync(async () => (await origin.Castd.HealthAsync()).GetProperty("relays").GetInt32() == 1);
        // Shuffled on the way in; the relay gets them released in order, chan02 (new since the relay joined) too.
        foreach (var (channel, sequence) in new[] { ("chan01", 2UL), ("chan02", 7UL), ("chan01", 1UL), ("chan01", 3UL), ("chan02", 8UL) })
        {
            await origin.Source.SendAsync(channel, sequence, TestPayloads.For(channel == "chan01" ? 0 : 1, sequence));
        }
        await edge.WaitForAsync(bytes => ParseRelay(bytes).Count == 5, TimeSpan.FromSeconds(5));

        var frames = ParseRelay(edge.Received);
        Assert.All(frames, f => Assert.Equal("CAST\u0002", f.Prefix));
        Assert.Equal([1UL, 2, 3], frames.Where(f => f.Channel == "chan01").Select(f => f.Sequence));
        Assert.Equal([7UL, 8], frames.Where(f => f.Channel == "chan02").Select(f => f.Sequence));
        Assert.All(frames, f => Assert.Equal(TestPayloads.For(f.Channel == "chan01" ? 0 : 1, f.Sequence), f.Payload));
        // A relay is not a viewer.
        Assert.All((await origin.Castd.HealthAsync()).GetProperty("channels").EnumerateArray(), c => Assert.Equal(0, c.GetProperty("viewers").GetInt32()));
    }

    [Fact]
    public async Task RelaySecretAndAllowList_OnlyAnEdgeThatProvesItselfGetsTheFeed()
    {
        var relayPort = FreePorts.Next();
        await using var origin = await CastdRig.StartAsync(["alice"], new Dictionary<string, string>(Relay(relayPort))
        {
            ["CASTD_RELAY_SECRET"] = "s3cret-of-the-fleet",
            ["CASTD_RELAY_ALLOW"] = "127.0.0.1",
        });

        // From an address outside the list, and with the wrong secret: one ERR line each, then nothing.
        using (var stranger = await TestViewer.ConnectFromAsync(System.Net.IPAddress.Parse("127.0.0.2"), relayPort))
        {
            var buffer = new byte[256];
            var read = await stranger.ReceiveAsync(buffer);
            Assert.Equal("ERR 403 address not allowed\n", System.Text.Encoding.ASCII.GetString(buffer, 0, read));
        }
        await using (var guesser = await TestViewer.ConnectAsync(relayPort, "RELAY guess\n"))
        {
            Assert.Equal("ERR 401 relay secret required: first line RELAY <secret>\n", await guesser.ReadUntilClosedAsync(TimeSpan.FromSeconds(10)));
        }
        Assert.Equal(0, (await origin.Castd.HealthAsync()).GetProperty("relays").GetInt32());

        // An edge castd configured with the secret sends it as its first line and is fed.
        using var edgeData = new TempDirectory();
        await using var edge = await CastdProcess.StartAsync(edgeData.Path, relayPort, new Dictionary<string, string> { ["CASTD_RELAY_SECRET"] = "s3cret-of-the-fleet" });
        await edge.RegisterAsync("alice");
        await Eventually.TrueAsync(async () => (await origin.Castd.HealthAsync()).GetProperty("relays").GetInt32() == 1);
        await using var atEdge = await TestViewer.ConnectAsync(edge.StreamPort, "alice chan01 framed\n");
        await Eventually.TrueAsync(async () => (await edge.HealthAsync()).GetProperty("viewers").GetInt32() == 1);
        for (ulong sequence = 0; sequence < 5; sequence++)
        {
            await origin.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }
        await atEdge.WaitForAsync(bytes => TestViewer.ParseFramed(bytes).Count == 5, TimeSpan.FromSeconds(5));
        var refusals = (await origin.Castd.HealthAsync()).GetProperty("authRefusals");
        Assert.Equal(1, refusals.GetProperty("AddressNotAllowed").GetInt64());
        Assert.Equal(1, refusals.GetProperty("BadRelaySecret").GetInt64());
    }

    [Fact]
    public async Task Edge_ServesTheOriginsStream_AndAnUpstreamLossCostsItNoGapWait()
    {
        var relayPort = FreePorts.Next();
        // A long gap timeout at the origin makes a wait at the edge easy to see.
        await using var origin = await CastdRig.StartAsync(["alice"], new Dictionary<string, string>(Relay(relayPort)) { ["CASTD_GAP_TIMEOUT_MS"] = "600" });
        using var edgeData = new TempDirectory();
        await using var edge = await CastdProcess.StartAsync(edgeData.Path, relayPort);
        await edge.RegisterAsync("alice");
        await Eventually.TrueAsync(async () => (await origin.Castd.HealthAsync()).GetProperty("relays").GetInt32() == 1);
        await using var atOrigin = await TestViewer.ConnectAsync(origin.Castd.StreamPort, "alice chan01 framed\n");
        await using var atEdge = await TestViewer.ConnectAsync(edge.StreamPort, "alice chan01 framed\n");
        await Eventually.TrueAsync(async () => (await edge.HealthAsync()).GetProperty("viewers").GetInt32() == 1);

        for (ulong sequence = 0; sequence < 20; sequence++)
        {
            await origin.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }
        await atEdge.WaitForAsync(bytes => TestViewer.ParseFramed(bytes).Count == 20, TimeSpan.FromSeconds(5));
        // 20 never comes: the origin waits its gap timeout before releasing 21; the edge must pass 21 on at once.
        for (ulong sequence = 21; sequence < 30; sequence++)
        {
            await origin.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }
        var clock = Stopwatch.StartNew();
        TimeSpan? originAt = null, edgeAt = null;
        // Until both have it: on a loaded machine the edge's viewer, a tier further, can get there a poll before the origin's.
        while ((originAt is null || edgeAt is null) && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            originAt ??= TestViewer.ParseFramed(atOrigin.Received).Count >= 29 ? clock.Elapsed : null;
            edgeAt ??= TestViewer.ParseFramed(atEdge.Received).Count >= 29 ? clock.Elapsed : null;
            await Task.Delay(2);
        }
        Assert.NotNull(originAt);
        Assert.NotNull(edgeAt);
        Assert.True(originAt >= TimeSpan.FromMilliseconds(400), $"the origin released after {originAt}, not after its gap wait");
        Assert.True(edgeAt - originAt < TimeSpan.FromMilliseconds(300), $"origin {originAt}, edge {edgeAt}: the edge waited again");

        var expected = Enumerable.Range(0, 30).Where(s => s != 20).Select(s => (ulong)s).ToList();
        Assert.Equal(expected, TestViewer.ParseFramed(atEdge.Received).Select(f => f.Sequence));
        Assert.All(TestViewer.ParseFramed(atEdge.Received), f => Assert.Equal(TestPayloads.For(0, f.Sequence), f.Payload));
        Assert.Equal(1, Channel(await origin.Castd.HealthAsync(), "chan01").GetProperty("lost").GetInt64());
        Assert.Equal(1, Channel(await edge.HealthAsync(), "chan01").GetProperty("lost").GetInt64());
    }

    [Fact]
    public async Task ThreeTiers_OriginMidEdge_DeliverTheSameOrderedStream()
    {
        var (originRelay, midRelay) = (FreePorts.Next(), FreePorts.Next());
        await using var origin = await CastdRig.StartAsync([], Relay(originRelay));
        using var midData = new TempDirectory();
        await using var mid = await CastdProcess.StartAsync(midData.Path, originRelay, Relay(midRelay));
        using var edgeData = new TempDirectory();
        await using var edge = await CastdProcess.StartAsync(edgeData.Path, midRelay);
        await edge.RegisterAsync("carol");
        await Eventually.TrueAsync(async () => (await origin.Castd.HealthAsync()).GetProperty("relays").GetInt32() == 1
            && (await mid.HealthAsync()).GetProperty("relays").GetInt32() == 1);
        await using var viewer = await TestViewer.ConnectAsync(edge.StreamPort, "carol chan01 framed\n");
        await Eventually.TrueAsync(async () => (await edge.HealthAsync()).GetProperty("viewers").GetInt32() == 1);

        // Reversed pairs at the origin: only the origin reorders; mid and edge relay what they get.
        var sequences = Enumerable.Range(0, 200).Select(s => (ulong)s).Chunk(2).SelectMany(pair => pair.Reverse()).ToList();
        foreach (var sequence in sequences)
        {
            await origin.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }
        // Regression: a relay's sends of 64 frames filled the edge's read batch, and the frames left over waited behind a
        // ticker-cancelled read for bytes that never came (the edge stopped at 128 of 200).
        await viewer.WaitForAsync(bytes => TestViewer.ParseFramed(bytes).Count == 200, TimeSpan.FromSeconds(10));

        Assert.Equal(Enumerable.Range(0, 200).Select(s => (ulong)s), TestViewer.ParseFramed(viewer.Received).Select(f => f.Sequence));
        Assert.Equal(0, Channel(await edge.HealthAsync(), "chan01").GetProperty("lost").GetInt64());
        Assert.Equal(0, Channel(await mid.HealthAsync(), "chan01").GetProperty("late").GetInt64());
    }

    [Fact]
    public async Task SlowEdge_IsCutAndCounted_WhileAViewerKeepsStreaming()
    {
        var relayPort = FreePorts.Next();
        await using var origin = await CastdRig.StartAsync(["alice"], Relay(relayPort));
        await using var stalled = await TestViewer.ConnectAsync(relayPort, requestLine: null, read: false);
        await using var viewer = await TestViewer.ConnectAsync(origin.Castd.StreamPort, "alice chan01\n");
        await Eventually.TrueAsync(async () => (await origin.Castd.HealthAsync()).GetProperty("relays").GetInt32() == 1);

        // 16 MB at about 25 MB/s: far past the kernel's buffers and the 1 MiB budget of a relay that never reads,
        // slow enough for a reading viewer on a busy machine.
        const int Packets = 2000, Size = 8192;
        var payload = new byte[Size];
        // The first packet alone, until the start-up hold is over: the hold would release the next ones as one burst.
        await origin.Source.SendAsync("chan01", 0, payload);
        await Eventually.TrueAsync(async () => Released(await origin.Castd.HealthAsync(), "chan01") == 1);
        for (ulong sequence = 1; sequence < Packets; sequence++)
        {
            await origin.Source.SendAsync("chan01", sequence, payload);
            if (sequence % 32 == 31)
            {
                await Task.Delay(10);
            }
        }
        await viewer.WaitForLengthAsync((long)Packets * Size, TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => (await origin.Castd.HealthAsync()).GetProperty("relayDisconnects").GetProperty("Slow").GetInt64() == 1);
        Assert.Equal(0, (await origin.Castd.HealthAsync()).GetProperty("relays").GetInt32());
    }

    [Fact]
    public async Task OriginKilled_EdgeRedials_AndItsViewerResumes()
    {
        var relayPort = FreePorts.Next();
        var origin = await CastdRig.StartAsync([], Relay(relayPort));
        using var edgeData = new TempDirectory();
        await using var edge = await CastdProcess.StartAsync(edgeData.Path, relayPort);
        await edge.RegisterAsync("dave");
        await using var viewer = await TestViewer.ConnectAsync(edge.StreamPort, "dave chan01 framed\n");
        await Eventually.TrueAsync(async () => (await origin.Castd.HealthAsync()).GetProperty("relays").GetInt32() == 1);
        for (ulong sequence = 0; sequence < 10; sequence++)
        {
            await origin.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }
        await viewer.WaitForAsync(bytes => TestViewer.ParseFramed(bytes).Count == 10, TimeSpan.FromSeconds(5));

        await origin.Castd.KillHardAsync();
        await origin.DisposeAsync();
        await using var restarted = await CastdRig.StartAsync([], Relay(relayPort));
        await Eventually.TrueAsync(async () => (await restarted.Castd.HealthAsync()).GetProperty("relays").GetInt32() == 1, TimeSpan.FromSeconds(15));
        // The new origin numbers from 0 again: the edge starts the channel afresh on its new source connection.
        for (ulong sequence = 0; sequence < 10; sequence++)
        {
            await restarted.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }

        await viewer.WaitForAsync(bytes => TestViewer.ParseFramed(bytes).Count == 20, TimeSpan.FromSeconds(5));
        Assert.False(viewer.Closed);
        Assert.Equal([.. Enumerable.Range(0, 10), .. Enumerable.Range(0, 10)], TestViewer.ParseFramed(viewer.Received).Select(f => (int)f.Sequence));
        Assert.True((await edge.HealthAsync()).GetProperty("sourceReconnects").GetInt64() >= 1);
    }

    [Fact]
    public async Task OriginSourceRestartsNumbering_AnEdgeWhoseRelayStayedUp_FollowsAtOnce()
    {
        var relayPort = FreePorts.Next();
        await using var origin = await CastdRig.StartAsync(["alice"], Relay(relayPort));
        using var edgeData = new TempDirectory();
        await using var edge = await CastdProcess.StartAsync(edgeData.Path, relayPort);
        await edge.RegisterAsync("alice");
        await Eventually.TrueAsync(async () => (await origin.Castd.HealthAsync()).GetProperty("relays").GetInt32() == 1);
        await using var atEdge = await TestViewer.ConnectAsync(edge.StreamPort, "alice chan01 framed\n");
        await Eventually.TrueAsync(async () => (await edge.HealthAsync()).GetProperty("viewers").GetInt32() == 1);
        for (ulong sequence = 0; sequence < 50; sequence++)
        {
            await origin.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }
        await atEdge.WaitForAsync(bytes => TestViewer.ParseFramed(bytes).Count == 50, TimeSpan.FromSeconds(5));

        // The origin's source restarts and numbers from 0 again, well within the window below 50: the edge's relay
        // connection stays up, so only the numbers tell it the upstream started afresh.
        origin.Source.Disconnect();
        await origin.Source.AcceptAsync();
        for (ulong sequence = 0; sequence < 10; sequence++)
        {
            await origin.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }

        await atEdge.WaitForAsync(bytes => TestViewer.ParseFramed(bytes).Count == 60, TimeSpan.FromSeconds(5));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (ulong)i), TestViewer.ParseFramed(atEdge.Received)[50..].Select(f => f.Sequence));
        Assert.Equal(0, Channel(await edge.HealthAsync(), "chan01").GetProperty("late").GetInt64());
    }

    private static Dictionary<string, string> Relay(int port) => new()
    {
        ["CASTD_RELAY_HOST"] = "127.0.0.1",
        ["CASTD_RELAY_PORT"] = port.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>docs/source.md frames: prefix(5) channel(6) sequence(u64 BE) length(u32 BE) payload.</summary>
    private static List<(string Prefix, string Channel, ulong Sequence, byte[] Payload)> ParseRelay(byte[] bytes)
    {
        var frames = new List<(string, string, ulong, byte[])>();
        for (var offset = 0; offset + 23 <= bytes.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset + 19));
            if (offset + 23 + length > bytes.Length)
            {
                break;
            }
            frames.Add((System.Text.Encoding.ASCII.GetString(bytes, offset, 5), System.Text.Encoding.ASCII.GetString(bytes, offset + 5, 6),
                BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(offset + 11)), bytes.AsSpan(offset + 23, length).ToArray()));
            offset += 23 + length;
        }
        return frames;
    }
}
