using System.Net.Http.Json;
using System.Text.Json;
using Castd.Tests.Integration.Infrastructure;
using static Castd.Tests.Integration.Infrastructure.HealthChannels;

namespace Castd.Tests.Integration;

/// <summary>
/// A misbehaving channel source (issue 9): every fault is counted, castd drops the connection only when the stream can
/// no longer be trusted, redials, and every channel goes on from there; viewers stay connected throughout.
/// </summary>
public sealed class SourceFaultTests
{
    private static readonly Dictionary<string, string> FastFaults = new()
    {
        ["CASTD_SOURCE_STALL_TIMEOUT_MS"] = "500",
        ["CASTD_GAP_TIMEOUT_MS"] = "100",
        ["CASTD_LIVE_TIMEOUT_MS"] = "500",
    };

    public static TheoryData<string, byte[]> BrokenStreams => new()
    {
        // Header bytes that can never be a frame: a channel id of control bytes.
        { "InvalidChannelId", [.. TestSource.Frame("chan01", 9, [1, 2, 3]).Select((b, i) => i is >= 5 and < 11 ? (byte)0x01 : b)] },
        // Random garbage: whatever its prefix, the "length" field is past the maximum.
        { "PayloadTooLarge", [.. Enumerable.Repeat((byte)0xEE, 64)] },
    };

    [Fact]
    public async Task StalledMidFrame_IsDroppedAfterTheStallTimeout_EveryChannelRecovers()
    {
        await using var setup = await TwoViewers.StartAsync();
        var (rig, one, two) = (setup.Rig, setup.One, setup.Two);
        await SendAsync(rig.Source, 0, 5);

        var frame = TestSource.Frame("chan01", 5, TestPayloads.For(0, 5));
        await rig.Source.SendRawAsync(frame[..(frame.Length / 2)]);
        // castd gives up on the hung frame (the source keeps its end open) and dials again; the source resends it whole.
        await AcceptRedialAsync(rig);
        await SendAsync(rig.Source, 5, 10);

        await AssertBothChannelsGotAsync(one, two, 10);
        var health = await rig.Castd.HealthAsync();
        Assert.Equal(1, health.GetProperty("sourceProtocolErrors").GetInt64());
        await LoggedAsync(rig.Castd, "StalledFrame");
    }

    [Fact]
    public async Task TruncatedFrame_ThenHangUp_IsCounted_TheNextConnectionStreams()
    {
        await using var setup = await TwoViewers.StartAsync();
        var (rig, one, two) = (setup.Rig, setup.One, setup.Two);
        await SendAsync(rig.Source, 0, 5);

        var frame = TestSource.Frame("chan02", 5, TestPayloads.For(1, 5));
        await rig.Source.SendRawAsync(frame[..30]);
        rig.Source.Disconnect();
        await rig.Source.AcceptAsync(TimeSpan.FromSeconds(10));
        await SendAsync(rig.Source, 5, 10);

        await AssertBothChannelsGotAsync(one, two, 10);
        Assert.Equal(1, (await rig.Castd.HealthAsync()).GetProperty("sourceProtocolErrors").GetInt64());
        await LoggedAsync(rig.Castd, "TruncatedFrame");
    }

    [Fact]
    public async Task ShuffledFrameCutByABreak_ResentOnTheNextConnection_NeverReachesViewersOutOfOrder()
    {
        await using var setup = await TwoViewers.StartAsync();
        var (rig, one) = (setup.Rig, setup.One);
        await SendAsync(rig.Source, 0, 5);

        // The source shuffles 5 and 6 and its connection breaks inside 5, after 6 went out whole.
        await rig.Source.SendAsync("chan01", 6, TestPayloads.For(0, 6));
        var frame = TestSource.Frame("chan01", 5, TestPayloads.For(0, 5));
        await rig.Source.SendRawAsync(frame[..30]);
        rig.Source.Disconnect();
        await rig.Source.AcceptAsync(TimeSpan.FromSeconds(10));
        // It keeps its numbering: the cut frame again whole, then on from 7.
        for (ulong sequence = 5; sequence < 12; sequence += sequence == 5 ? 2UL : 1UL)
        {
            await rig.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }

        await one.WaitForAsync(b => TestViewer.ParseFramed(b).Any(f => f.Sequence == 11), TimeSpan.FromSeconds(15));
        var sequences = TestViewer.ParseFramed(one.Received).Select(f => f.Sequence).ToList();
        Assert.Equal(sequences.Distinct().Order(), sequences);
        var chan01 = Channel(await rig.Castd.HealthAsync(), "chan01");
        Assert.Equal(0, chan01.GetProperty("restarts").GetInt64());
        // 5 came back in time to fill its gap (nothing lost), or after castd had given up on it (lost once, then late).
        var expected = sequences.Contains(5UL) ? 0 : 1;
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (ulong)i).Where(s => s != 5 || expected == 0), sequences);
        Assert.Equal(expected, chan01.GetProperty("lost").GetInt64());
        Assert.Equal(expected, chan01.GetProperty("late").GetInt64());
    }

    [Theory]
    [MemberData(nameof(BrokenStreams))]
    public async Task BytesThatCannotBeAFrame_AreCounted_ConnectionDroppedAndRedialled(string violation, byte[] garbage)
    {
        await using var setup = await TwoViewers.StartAsync();
        var (rig, one, two) = (setup.Rig, setup.One, setup.Two);
        await SendAsync(rig.Source, 0, 5);

        await rig.Source.SendRawAsync(garbage);
        await AcceptRedialAsync(rig);
        await SendAsync(rig.Source, 5, 10);

        await AssertBothChannelsGotAsync(one, two, 10);
        Assert.Equal(1, (await rig.Castd.HealthAsync()).GetProperty("sourceProtocolErrors").GetInt64());
        await LoggedAsync(rig.Castd, violation);
    }

    [Fact]
    public async Task SequenceJumpsAndRestarts_AreCountedAsLossAndRestart_TheChannelGoesOn_TheOtherIsUntouched()
    {
        await using var setup = await TwoViewers.StartAsync();
        var (rig, one, two) = (setup.Rig, setup.One, setup.Two);

        ulong[] jumping = [0, 1, 2, 3, 10, 11, 12];
        foreach (var sequence in jumping)
        {
            await rig.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
            await rig.Source.SendAsync("chan02", sequence, TestPayloads.For(1, sequence));
        }
        // The source restarts its numbering (without reconnecting): far behind the window, so a restart, not "late".
        await one.WaitForAsync(b => TestViewer.ParseFramed(b).Count == jumping.Length, TimeSpan.FromSeconds(10));
        var restarted = new ulong[] { 0, 1, 2 };
        foreach (var sequence in restarted)
        {
            await rig.Source.SendAsync("chan01", sequence + 5000, TestPayloads.For(0, sequence + 5000));
        }
        foreach (var sequence in restarted)
        {
            await rig.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }

        await one.WaitForAsync(b => TestViewer.ParseFramed(b).Count == jumping.Length + 6, TimeSpan.FromSeconds(10));
        Assert.Equal([.. jumping, 5000, 5001, 5002, 0, 1, 2], TestViewer.ParseFramed(one.Received).Select(f => f.Sequence));
        await two.WaitForAsync(b => TestViewer.ParseFramed(b).Count == jumping.Length, TimeSpan.FromSeconds(10));
        Assert.Equal(jumping, TestViewer.ParseFramed(two.Received).Select(f => f.Sequence));
        var chan01 = Channel(await rig.Castd.HealthAsync(), "chan01");
        Assert.Equal(6 + 4987, chan01.GetProperty("lost").GetInt64());
        Assert.Equal(1, chan01.GetProperty("restarts").GetInt64());
        Assert.Equal(0, (await rig.Castd.HealthAsync()).GetProperty("sourceProtocolErrors").GetInt64());
    }

    [Fact]
    [Trait("Category", "Stress")]
    public async Task SourceFlappingEverySecondUnderLoad_ViewersStayAndEveryConnectionsPacketsArriveInOrder()
    {
        await using var setup = await TwoViewers.StartAsync();
        var (rig, one, two) = (setup.Rig, setup.One, setup.Two);

        const int Connections = 6;
        const int PerConnection = 200;
        for (var connection = 0; connection < Connections; connection++)
        {
            var started = DateTime.UtcNow;
            // A restarted source numbers from zero again (docs/source.md); 200 packets a channel over about a second.
            for (ulong sequence = 0; sequence < PerConnection; sequence++)
            {
                await rig.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
                await rig.Source.SendAsync("chan02", sequence, TestPayloads.For(1, sequence));
                if (sequence % 20 == 19)
                {
                    await Task.Delay(100);
                }
            }
            rig.Source.Disconnect();
            if (connection < Connections - 1)
            {
                await rig.Source.AcceptAsync(TimeSpan.FromSeconds(10));
            }
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        }

        await AssertBothChannelsGotAsync(one, two, Connections * PerConnection, perConnection: PerConnection);
        Assert.True((await rig.Castd.HealthAsync()).GetProperty("sourceReconnects").GetInt64() >= Connections - 1);
    }

    [Fact]
    public async Task ChannelGoesSilent_ItsViewerStaysAndResumes_TheOtherChannelStreams()
    {
        await using var setup = await TwoViewers.StartAsync();
        var (rig, one, two) = (setup.Rig, setup.One, setup.Two);
        await PaceAsync(rig.Source, 0, 50, ["chan01", "chan02"]);

        // chan01 says nothing for 2 s (4 live timeouts) while chan02 goes on.
        var silence = PaceAsync(rig.Source, 50, 150, ["chan02"]);
        await Eventually.TrueAsync(async () => !await LiveAsync(rig.Castd, "chan01"));
        Assert.True(await LiveAsync(rig.Castd, "chan02"));
        await silence;
        Assert.False(one.Closed);
        await PaceAsync(rig.Source, 50, 100, ["chan01"]);

        foreach (var (viewer, channel, count) in new[] { (one, 0, 100), (two, 1, 150) })
        {
            await viewer.WaitForAsync(b => TestViewer.ParseFramed(b).Count >= count, TimeSpan.FromSeconds(10));
            var frames = TestViewer.ParseFramed(viewer.Received);
            Assert.Equal(Enumerable.Range(0, count).Select(i => (ulong)i), frames.Select(f => f.Sequence));
            Assert.All(frames, f => Assert.Equal(TestPayloads.For(channel, f.Sequence), f.Payload));
        }
        Assert.True(await LiveAsync(rig.Castd, "chan01"));
        // Nothing lost or counted as lost: silence is not a gap. (That the silence is no watch time is tested exactly
        // on an injected clock: Host/WatchTimeTests.)
        Assert.Equal(0, Channel(await rig.Castd.HealthAsync(), "chan01").GetProperty("lost").GetInt64());
    }

    /// <summary>Sends <paramref name="from"/> up to <paramref name="to"/> on each channel, one every 20 ms, as media would.</summary>
    private static async Task PaceAsync(TestSource source, int from, int to, string[] channels)
    {
        for (var sequence = (ulong)from; sequence < (ulong)to; sequence++)
        {
            foreach (var channel in channels)
            {
                await source.SendAsync(channel, sequence, TestPayloads.For(channel == "chan01" ? 0 : 1, sequence));
            }
            await Task.Delay(20);
        }
    }

    private static async Task<bool> LiveAsync(CastdProcess castd, string channel)
    {
        var list = await castd.Http.GetFromJsonAsync<JsonElement>("/channels");
        return list.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("id").GetString() == channel).GetProperty("live").GetBoolean();
    }

    /// <summary>castd with fast fault timeouts, a viewer on chan01 and one on chan02.</summary>
    private sealed record TwoViewers(CastdRig Rig, TestViewer One, TestViewer Two) : IAsyncDisposable
    {
        public static async Task<TwoViewers> StartAsync()
        {
            var rig = await CastdRig.StartAsync(["erin", "frank"], FastFaults);
            var one = await TestViewer.ConnectAsync(rig.Castd.StreamPort, "erin chan01 framed\n");
            var two = await TestViewer.ConnectAsync(rig.Castd.StreamPort, "frank chan02 framed\n");
            await StreamingTests.WaitForViewersAsync(rig.Castd, 2);
            return new TwoViewers(rig, one, two);
        }

        public async ValueTask DisposeAsync()
        {
            await One.DisposeAsync();
            await Two.DisposeAsync();
            await Rig.DisposeAsync();
        }
    }

    private static async Task SendAsync(TestSource source, int from, int to)
    {
        for (var sequence = (ulong)from; sequence < (ulong)to; sequence++)
        {
            await source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
            await source.SendAsync("chan02", sequence, TestPayloads.For(1, sequence));
        }
    }

    /// <summary>Both viewers still connected, with <paramref name="count"/> packets: 0, 1, … restarting every <paramref name="perConnection"/>, byte for byte.</summary>
    private static async Task AssertBothChannelsGotAsync(TestViewer one, TestViewer two, int count, int perConnection = int.MaxValue)
    {
        foreach (var (viewer, channel) in new[] { (one, 0), (two, 1) })
        {
            await viewer.WaitForAsync(b => TestViewer.ParseFramed(b).Count >= count, TimeSpan.FromSeconds(15));
            var frames = TestViewer.ParseFramed(viewer.Received);
            Assert.False(viewer.Closed);
            Assert.Equal(Enumerable.Range(0, count).Select(i => (ulong)(i % perConnection)), frames.Select(f => f.Sequence));
            Assert.All(frames, f => Assert.Equal(TestPayloads.For(channel, f.Sequence), f.Payload));
        }
    }

    /// <summary>
    /// Waits until castd has hung up by itself, then takes its next connection (accepting first would close the old
    /// connection from this end and turn the fault into a truncated frame).
    /// </summary>
    private static async Task AcceptRedialAsync(CastdRig rig)
    {
        await Eventually.TrueAsync(async () => (await rig.Castd.HealthAsync()).GetProperty("sourceProtocolErrors").GetInt64() == 1);
        await rig.Source.AcceptAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>castd's output is read as it comes: the log line may trail the counter a moment.</summary>
    private static Task LoggedAsync(CastdProcess castd, string violation) =>
        Eventually.TrueAsync(() => Task.FromResult(castd.Output.Contains(violation, StringComparison.Ordinal)));
}
