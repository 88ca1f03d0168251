using System.Text;
using Castd.Tests.Integration.Infrastructure;
using static Castd.Tests.Integration.Infrastructure.HealthChannels;

namespace Castd.Tests.Integration;

/// <summary>Fast start (docs/playback.md) where there is nothing to start fast from: payloads that are not MPEG-TS, a channel not live yet, the cache off.</summary>
public sealed class FastStartTests
{
    [Fact]
    public async Task ForeignPayloads_NoCache_Counted_FastStartViewerGetsExactlyWhatAPlainOneGets()
    {
        await using var rig = await CastdRig.StartAsync(["erin", "frank"]);
        await SendAsync(rig, "chan01", 0, 20);
        await Eventually.TrueAsync(async () => ForeignPayloads(await rig.Castd.HealthAsync(), "chan01") == 20);

        await using var fast = await TestViewer.ConnectAsync(rig.Castd.StreamPort, "erin chan01 framed faststart\n");
        await using var plain = await TestViewer.ConnectAsync(rig.Castd.StreamPort, "frank chan01 framed\n");
        await Eventually.TrueAsync(async () => Channel(await rig.Castd.HealthAsync(), "chan01").GetProperty("viewers").GetInt32() == 2);
        await SendAsync(rig, "chan01", 20, 40);
        await fast.WaitForAsync(b => TestViewer.ParseFramed(b).Count == 20, TimeSpan.FromSeconds(10));
        await plain.WaitForAsync(b => TestViewer.ParseFramed(b).Count == 20, TimeSpan.FromSeconds(10));

        var expected = Enumerable.Range(20, 20).Select(s => ((ulong)s, TestPayloads.For(0, (ulong)s))).ToList();
        Assert.Equal(expected, TestViewer.ParseFramed(fast.Received).Select(f => (f.Sequence, f.Payload)), new FrameComparer());
        Assert.Equal(expected, TestViewer.ParseFramed(plain.Received).Select(f => (f.Sequence, f.Payload)), new FrameComparer());
        var cache = FastStart(await rig.Castd.HealthAsync(), "chan01");
        Assert.Equal(40, cache.GetProperty("foreignPayloads").GetInt64());
        Assert.Equal(0, cache.GetProperty("packets").GetInt32());
    }

    [Fact]
    public async Task FastStartViewerJoiningWhileTheSourceIsDown_GetsNoGroupFromBeforeTheOutage()
    {
        await using var rig = await CastdRig.StartAsync(["erin"]);
        var media = File.ReadAllBytes(TestMedia.H264);
        const int Payload = 1316;
        // Three seconds of real media: a group is cached (the file has a keyframe every 2 s).
        await SendMediaAsync(rig.Source, media, Payload, 0, 3 * media.Length / 6 / Payload);
        await Eventually.TrueAsync(async () => Known(await rig.Castd.HealthAsync(), "zato01") && FastStart(await rig.Castd.HealthAsync(), "zato01").GetProperty("packets").GetInt32() > 0);

        rig.Source.Disconnect();
        await Eventually.TrueAsync(async () => !(await rig.Castd.HealthAsync()).GetProperty("sourceConnected").GetBoolean());
        await using var viewer = await TestViewer.ConnectAsync(rig.Castd.StreamPort, "erin zato01 framed faststart\n");
        await Eventually.TrueAsync(async () => Channel(await rig.Castd.HealthAsync(), "zato01").GetProperty("viewers").GetInt32() == 1);
        // The source comes back numbering from 0 and starting the file over.
        await rig.Source.AcceptAsync();
        await SendMediaAsync(rig.Source, media, Payload, 0, 20);

        await viewer.WaitForAsync(b => TestViewer.ParseFramed(b).Count >= 20, TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (ulong)i), TestViewer.ParseFramed(viewer.Received).Select(f => f.Sequence));
    }

    [Fact]
    public async Task HttpPlayback_ChannelNotLiveYet_IsAcceptedAndDeliversOnceItStarts()
    {
        await using var rig = await CastdRig.StartAsync(["erin"]);
        await using var player = await TestViewer.ConnectAsync(rig.Castd.HttpPort, "GET /live/chan07.ts?user=erin HTTP/1.1\r\nHost: castd\r\n\r\n");
        await player.WaitForAsync(b => Encoding.ASCII.GetString(b).Contains("\r\n\r\n", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Equal(200, HttpResponseBytes.Parse(player.Received).Status);
        Assert.Empty(HttpResponseBytes.Parse(player.Received).Body);

        await SendAsync(rig, "chan07", 0, 10, channelIndex: 1);

        var expected = Enumerable.Range(0, 10).SelectMany(s => TestPayloads.For(1, (ulong)s)).ToArray();
        await player.WaitForAsync(b => HttpResponseBytes.Parse(b).Body.Length == expected.Length, TimeSpan.FromSeconds(10));
        Assert.Equal(expected, HttpResponseBytes.Parse(player.Received).Body);
    }

    [Fact]
    public async Task CacheOff_FastStartWordStillAccepted_HealthShowsNoCache()
    {
        await using var rig = await CastdRig.StartAsync(["erin"], new Dictionary<string, string> { ["CASTD_GOP_CACHE_BYTES"] = "0" });
        await using var viewer = await TestViewer.ConnectAsync(rig.Castd.StreamPort, "erin chan01 faststart framed\n");
        await Eventually.TrueAsync(async () => (await rig.Castd.HealthAsync()).GetProperty("viewers").GetInt32() == 1);
        await SendAsync(rig, "chan01", 0, 5);

        await viewer.WaitForAsync(b => TestViewer.ParseFramed(b).Count == 5, TimeSpan.FromSeconds(10));
        Assert.False(Channel(await rig.Castd.HealthAsync(), "chan01").TryGetProperty("fastStart", out _));
    }

    private static async Task SendMediaAsync(TestSource source, byte[] media, int payload, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            await source.SendAsync("zato01", (ulong)i, media.AsSpan(i * payload, payload));
        }
    }

    private static async Task SendAsync(CastdRig rig, string channel, int from, int to, int channelIndex = 0)
    {
        for (var sequence = (ulong)from; sequence < (ulong)to; sequence++)
        {
            await rig.Source.SendAsync(channel, sequence, TestPayloads.For(channelIndex, sequence));
        }
    }

    /// <summary>The channel's count of foreign payloads; −1 while castd has not seen the channel yet.</summary>
    private static long ForeignPayloads(System.Text.Json.JsonElement health, string id) =>
        Known(health, id)
            ? FastStart(health, id).GetProperty("foreignPayloads").GetInt64()
            : -1;

    private static System.Text.Json.JsonElement FastStart(System.Text.Json.JsonElement health, string id) => Channel(health, id).GetProperty("fastStart");

    private sealed class FrameComparer : IEqualityComparer<(ulong Sequence, byte[] Payload)>
    {
        public bool Equals((ulong Sequence, byte[] Payload) x, (ulong Sequence, byte[] Payload) y) => x.Sequence == y.Sequence && x.Payload.AsSpan().SequenceEqual(y.Payload);

        public int GetHashCode((ulong Sequence, byte[] Payload) obj) => obj.Sequence.GetHashCode();
    }
}
