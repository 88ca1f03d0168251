using Castd.Protocol.Buffers;
using Castd.Protocol.MpegTs;

namespace Castd.Tests.Protocol.MpegTs;

/// <summary>The fast-start cache on real ffmpeg output: what it would hand a joining viewer, judged by ffprobe.</summary>
public sealed class GopCacheTests : IDisposable
{
    private const int Payload = TsScanTrace.SourcePayload;
    private const long Unbounded = 64 << 20;

    private readonly PacketBufferPool _pool = new();
    private readonly List<PacketBuffer> _fed = [];
    private readonly TempDirectory _temp = new();

    public static TheoryData<string> VideoFiles => new() { "h264-aac.ts", "h264-aac-norai.ts", "hevc-aac.ts", "hevc-aac-norai.ts" };

    [Theory]
    [MemberData(nameof(VideoFiles))]
    public void Group_JoinedMidGop_StartsWithTheProgramAndAKeyframe(string name)
    {
        var file = TestMedia.PathOf(name);
        var bytes = File.ReadAllBytes(file);
        var keyframes = Ffprobe.KeyframePositions(file);
        var cache = new GopCache(Unbounded);
        // Half a GOP past the third keyframe: the cache should hold from just before that keyframe on.
        var cut = (keyframes[2] + keyframes[3]) / 2 / Payload * Payload;

        Feed(cache, bytes, 0, cut);

        var group = Save(cache);
        var packets = Ffprobe.VideoPackets(group);
        Assert.True(packets[0].Key, $"first video packet at {packets[0].Pos} is not a keyframe");
        Assert.Equal(["aac", name.StartsWith("hevc", StringComparison.Ordinal) ? "hevc" : "h264"], Ffprobe.Streams(group).Select(s => s.Codec).Order());
        // From the payload holding the PAT/PMT ffmpeg writes right before the keyframe: at most two payloads earlier.
        var start = cut - cache.Bytes;
        Assert.InRange(keyframes[2] - start, 0, 2 * Payload);
        Assert.Equal(3, cache.Groups);
    }

    [Fact]
    public void Group_AfterAGap_IsGoneUntilTheNextKeyframe()
    {
        var bytes = File.ReadAllBytes(TestMedia.H264);
        var keyframes = Ffprobe.KeyframePositions(TestMedia.H264);
        var cache = new GopCache(Unbounded);
        var lossAt = (keyframes[1] + Payload * 10) / Payload * Payload;
        Feed(cache, bytes, 0, lossAt);
        Assert.True(cache.Count > 0);

        cache.MarkGap();
        Assert.Equal(0, cache.Count);
        // The lost payload is skipped; until the next keyframe nothing is offered.
        Feed(cache, bytes, lossAt + Payload, keyframes[2] / Payload * Payload - Payload);
        Assert.Equal(0, cache.Count);
        Feed(cache, bytes, keyframes[2] / Payload * Payload - Payload, keyframes[2] / Payload * Payload + 5 * Payload);

        Assert.True(cache.Count > 0);
        Assert.True(Ffprobe.VideoPackets(Save(cache))[0].Key);
    }

    [Fact]
    public void Group_LargerThanTheBound_IsDroppedAndCounted()
    {
        var bytes = File.ReadAllBytes(TestMedia.H264);
        var keyframes = Ffprobe.KeyframePositions(TestMedia.H264);
        var gop = keyframes[2] - keyframes[1];
        var cache = new GopCache(gop / 2);

        Feed(cache, bytes, 0, keyframes[2] / Payload * Payload - 2 * Payload);

        Assert.Equal(0, cache.Count);
        Assert.True(cache.Overflows >= 1);
        // Outside a group the cache keeps only what could still start one, within the bound.
        Assert.All(_fed.Where(p => p.References > 1), p => Assert.True(p.References == 2));
        Assert.True(_fed.Count(p => p.References > 1) * Payload <= gop / 2);
    }

    [Fact]
    public void ForeignPayloads_LeaveNoGroupAndAreCounted()
    {
        var cache = new GopCache(Unbounded);
        var random = new Random(7);
        for (var i = 0; i < 50; i++)
        {
            var packet = Rent(Payload);
            random.NextBytes(packet.Raw);
            cache.Add(packet);
        }

        Assert.Equal(0, cache.Count);
        Assert.Equal(50, cache.ForeignPayloads);
        Assert.All(_fed, p => Assert.Equal(1, p.References));
    }

    [Fact]
    public void Clear_ReleasesEveryReferenceItTook()
    {
        var bytes = File.ReadAllBytes(TestMedia.H264);
        var cache = new GopCache(Unbounded);
        Feed(cache, bytes, 0, bytes.Length / Payload * Payload);
        Assert.True(cache.Count > 0);
        Assert.Equal(cache.Count, _fed.Count(p => p.References == 2));

        cache.Clear();

        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
        Assert.All(_fed, p => Assert.Equal(1, p.References));
    }

    public void Dispose()
    {
        foreach (var packet in _fed)
        {
            packet.Release();
        }
        _temp.Dispose();
    }

    private void Feed(GopCache cache, byte[] bytes, long from, long to)
    {
        for (var at = from; at < to; at += Payload)
        {
            var length = (int)long.Min(Payload, bytes.Length - at);
            var packet = Rent(length);
            bytes.AsSpan((int)at, length).CopyTo(packet.Raw);
            cache.Add(packet);
        }
    }

    private PacketBuffer Rent(int length)
    {
        var packet = _pool.Rent();
        packet.Initialize((ulong)_fed.Count, 0, 0, length);
        _fed.Add(packet);
        return packet;
    }

    private string Save(GopCache cache)
    {
        var path = Path.Combine(_temp.Path, $"group-{Guid.NewGuid():N}.ts");
        using var file = File.Create(path);
        for (var i = 0; i < cache.Count; i++)
        {
            file.Write(cache[i].Raw);
        }
        return path;
    }
}
