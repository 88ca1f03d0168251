using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>Source → reorder → fan-out through a real castd process and real loopback sockets.</summary>
public sealed class StreamingTests
{
    private static readonly string[] Channels = ["chan01", "chan02", "chan03"];

    [Fact]
    public async Task ShuffledDuplicatedLossySource_ViewersGetEveryChannelInOrderByteForByte()
    {
        // Two users, because each account may hold only three streams at once (the default limit).
        await using var rig = await CastdRig.StartAsync(["alice", "bob"]);
        var (castd, source) = (rig.Castd, rig.Source);

        // Viewers join before the channels go live: accepted, and they get everything from the first packet.
        var framed = new List<TestViewer>();
        var raw = new List<TestViewer>();
        foreach (var channel in Channels)
        {
            framed.Add(await TestViewer.ConnectAsync(castd.StreamPort, $"alice {channel} framed\n"));
            raw.Add(await TestViewer.ConnectAsync(castd.StreamPort, $"bob {channel}\r\n"));
        }
        await WaitForViewersAsync(castd, Channels.Length * 2);

        var random = new Random(42);
        var sent = Channels.Select(_ => new SortedSet<ulong>()).ToArray();
        const int PacketsPerChannel = 600;
        var order = new List<(int Channel, ulong Sequence)>();
        for (ulong sequence = 0; sequence < PacketsPerChannel; sequence++)
        {
            for (var c = 0; c < Channels.Length; c++)
            {
                // Keep the very first packet of each channel so the expected start is unambiguous.
                if (sequence > 0 && random.NextDouble() < 0.02)
                {
                    continue;
                }
                order.Add((c, sequence));
                sent[c].Add(sequence);
                if (random.NextDouble() < 0.03)
                {
                    order.Add((c, sequence));
                }
            }
        }
        // Shuffle within blocks of 24 (8 per channel): every packet arrives well inside the window and gap timeout.
        for (var start = 0; start < order.Count; start += 24)
        {
            var end = int.Min(order.Count, start + 24);
            for (var i = end - 1; i > start; i--)
            {
                var j = random.Next(start, i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        foreach (var block in order.Chunk(24))
        {
            var bytes = block.SelectMany(p => TestSource.Frame(Channels[p.Channel], p.Sequence, TestPayloads.For(p.Channel, p.Sequence))).ToArray();
            await source.SendRawAsync(bytes);
            await Task.Delay(2);
        }

        for (var c = 0; c < Channels.Length; c++)
        {
            var expected = sent[c].ToList();
            var channel = c;
            await framed[c].WaitForAsync(b => TestViewer.ParseFramed(b).Count >= expected.Count, TimeSpan.FromSeconds(15));
            await raw[c].WaitForAsync(b => TestViewer.ParseRaw(b).Count >= expected.Count, TimeSpan.FromSeconds(15));

            var framedFrames = TestViewer.ParseFramed(framed[c].Received);
            Assert.Equal(expected, framedFrames.Select(f => f.Sequence).ToList());
            Assert.All(framedFrames, f => Assert.Equal(TestPayloads.For(channel, f.Sequence), f.Payload));

            var rawPayloads = TestViewer.ParseRaw(raw[c].Received);
            Assert.Equal(expected, rawPayloads.Select(f => f.Sequence).ToList());
            Assert.All(rawPayloads, f => Assert.Equal(TestPayloads.For(channel, f.Sequence), f.Payload));
        }

        var health = await castd.HealthAsync();
        var channels = health.GetProperty("channels").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
        for (var c = 0; c < Channels.Length; c++)
        {
            var counters = channels[Channels[c]];
            Assert.Equal(sent[c].Count, counters.GetProperty("released").GetInt64());
            Assert.Equal(PacketsPerChannel - sent[c].Count, counters.GetProperty("lost").GetInt64());
        }

        foreach (var viewer in framed.Concat(raw))
        {
            await viewer.DisposeAsync();
        }
    }

    /// <summary>
    /// A large audience is cut into parts: the first 16 viewers are sent to from the ingest thread, the rest from the
    /// delivery threads (one per core), so with one core in one part of 104, with four in four parts of 26. Either way
    /// every viewer gets every packet once, in order, whatever part it fell in.
    /// </summary>
    [Theory]
    [InlineData("1")]
    [InlineData("4")]
    public async Task LargeAudience_SplitOverDeliveryThreads_EveryViewerGetsEveryPacketOnceInOrder(string cores)
    {
        const int Viewers = 120;
        const int Packets = 200;
        await using var rig = await CastdRig.StartAsync(["crowd"], new Dictionary<string, string>
        {
            ["DOTNET_PROCESSOR_COUNT"] = cores,
            ["CASTD_MAX_STREAMS_PER_USER"] = "1000",
        });
        var (castd, source) = (rig.Castd, rig.Source);
        var viewers = new List<TestViewer>();
        for (var i = 0; i < Viewers; i++)
        {
            viewers.Add(await TestViewer.ConnectAsync(castd.StreamPort, "crowd chan01 framed\n"));
        }
        await WaitForViewersAsync(castd, Viewers);

        for (ulong s = 0; s < Packets; s += 10)
        {
            await source.SendRawAsync([.. Enumerable.Range(0, 10).SelectMany(i => TestSource.Frame("chan01", s + (ulong)i, TestPayloads.For(0, s + (ulong)i)))]);
            await Task.Delay(5);
        }
        foreach (var viewer in viewers)
        {
            await viewer.WaitForAsync(b => TestViewer.ParseFramed(b).Count >= Packets, TimeSpan.FromSeconds(15));
            var frames = TestViewer.ParseFramed(viewer.Received);
            Assert.Equal(Enumerable.Range(0, Packets).Select(i => (ulong)i), frames.Select(f => f.Sequence));
            Assert.All(frames, f => Assert.Equal(TestPayloads.For(0, f.Sequence), f.Payload));
        }
        foreach (var viewer in viewers)
        {
            await viewer.DisposeAsync();
        }
    }

    [Fact]
    public async Task SourceDropsAndReturns_ViewerStaysConnectedAndKeepsStreaming()
    {
        await using var rig = await CastdRig.StartAsync(["bob"]);
        var (castd, source) = (rig.Castd, rig.Source);
        await using var viewer = await TestViewer.ConnectAsync(castd.StreamPort, "bob chan01 framed\n");
        await WaitForViewersAsync(castd, 1);

        for (ulong s = 0; s < 10; s++)
        {
            await source.SendAsync("chan01", s, TestPayloads.For(0, s));
        }
        await viewer.WaitForAsync(b => TestViewer.ParseFramed(b).Count == 10, TimeSpan.FromSeconds(10));

        source.Disconnect();
        await source.AcceptAsync();
        // A restarted source numbers from zero again: the channel starts afresh instead of dropping it as late.
        for (ulong s = 0; s < 5; s++)
        {
            await source.SendAsync("chan01", s, TestPayloads.For(0, s));
        }
        await viewer.WaitForAsync(b => TestViewer.ParseFramed(b).Count == 15, TimeSpan.FromSeconds(10));
        Assert.False(viewer.Closed);
        Assert.Equal([.. Enumerable.Range(0, 10).Select(i => (ulong)i), .. Enumerable.Range(0, 5).Select(i => (ulong)i)],
            TestViewer.ParseFramed(viewer.Received).Select(f => f.Sequence).ToList());
        Assert.True((await castd.HealthAsync()).GetProperty("sourceReconnects").GetInt64() >= 1);
    }

    [Fact]
    public async Task OversizedPayloadLength_DropsSourceConnectionAndCountsIt_ThenRecovers()
    {
        await using var rig = await CastdRig.StartAsync(["carol"]);
        var (castd, source) = (rig.Castd, rig.Source);
        await using var viewer = await TestViewer.ConnectAsync(castd.StreamPort, "carol chan01 framed\n");
        await WaitForViewersAsync(castd, 1);

        await source.SendAsync("chan01", 0, TestPayloads.For(0, 0));
        var hostile = TestSource.Frame("chan01", 1, []);
        hostile[19] = 0xFF; hostile[20] = 0xFF; hostile[21] = 0xFF; hostile[22] = 0xFF;
        await source.SendRawAsync(hostile);

        // castd hangs up and dials again.
        await source.AcceptAsync(TimeSpan.FromSeconds(10));
        await source.SendAsync("chan01", 1, TestPayloads.For(0, 1));
        await viewer.WaitForAsync(b => TestViewer.ParseFramed(b).Count == 2, TimeSpan.FromSeconds(10));
        Assert.Equal(1, (await castd.HealthAsync()).GetProperty("sourceProtocolErrors").GetInt64());
        Assert.Contains("PayloadTooLarge", castd.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ViewerThatNeverReads_IsDisconnectedAsSlow_WhileAnotherViewerKeepsUp()
    {
        // A 4 MiB budget gives the reading viewer 160 ms of slack at 25 MB/s when the test machine is busy; the stalled
        // viewer can still absorb at most its socket buffers (a few MB) plus the budget, far less than the 16 MB sent.
        await using var rig = await CastdRig.StartAsync(["dave"], new Dictionary<string, string> { ["CASTD_VIEWER_BUFFER_BYTES"] = "4194304" });
        var (castd, source) = (rig.Castd, rig.Source);
        await using var stalled = await TestViewer.ConnectAsync(castd.StreamPort, "dave chan01\n", read: false);
        stalled.Socket.ReceiveBufferSize = 4096;
        await using var healthy = await TestViewer.ConnectAsync(castd.StreamPort, "dave chan01 framed\n");
        await WaitForViewersAsync(castd, 2);

        // 16 MB, sent in 256 KB bursts at about 25 MB/s.
        var payload = new byte[8192];
        const int Packets = 2000;
        // The first packet starts the channel; after the start-up hold the rest flows without piling up in the ring.
        await source.SendAsync("chan01", 0, payload);
        await healthy.WaitForLengthAsync(20 + payload.Length, TimeSpan.FromSeconds(10));
        for (ulong s = 1; s < Packets; s += 32)
        {
            var burst = Enumerable.Range(0, (int)ulong.Min(32, Packets - s)).SelectMany(i => TestSource.Frame("chan01", s + (ulong)i, payload)).ToArray();
            await source.SendRawAsync(burst);
            await Task.Delay(10);
        }
        await healthy.WaitForLengthAsync(Packets * (20L + payload.Length), TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, Packets).Select(i => (ulong)i), TestViewer.ParseFramed(healthy.Received).Select(f => f.Sequence));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        long slow = 0;
        while (DateTime.UtcNow < deadline && slow == 0)
        {
            slow = (await castd.HealthAsync()).GetProperty("viewerDisconnects").GetProperty("Slow").GetInt64();
            await Task.Delay(100);
        }
        Assert.Equal(1, slow);
    }

    internal static async Task WaitForViewersAsync(CastdProcess castd, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await castd.HealthAsync()).GetProperty("viewers").GetInt32() < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{count} viewers never joined");
            }
            await Task.Delay(20);
        }
    }
}
