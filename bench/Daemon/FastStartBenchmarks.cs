using BenchmarkDotNet.Attributes;
using Castd.Bench.Protocol.MpegTs;
using Castd.Daemon.Channels;
using Castd.Protocol;
using Castd.Protocol.Buffers;
using Castd.Protocol.MpegTs;
using Castd.Protocol.Reorder;

namespace Castd.Bench.Daemon;

/// <summary>
/// What fast start (docs/playback.md) costs the ingest thread: per in-order packet, a channel's publish with its GOP cache on
/// versus off; per join, handing a joiner the cached group. Real ffmpeg media (2 s GOP, ~2.4 Mbit/s). Budget 0 B per
/// packet: the cache only takes references to the pooled packets.
/// </summary>
[MemoryDiagnoser]
public class FastStartBenchmarks
{
    private const int PayloadSize = 7 * TsPacket.Size;

    /// <summary>The file's first 1024 payloads (4.5 s, three keyframes), fed again and again: the stream just goes on.</summary>
    private const int Payloads = 1024;

    private const int Joins = 64;

    private readonly PacketBufferPool _pool = new();
    private readonly CountingSubscriber _viewer = new();
    private byte[] _media = [];
    private Channel _cached = null!;
    private Channel _uncached = null!;
    private ulong _sequence;

    [GlobalSetup]
    public void Setup()
    {
        _media = File.ReadAllBytes(Path.Combine(BenchMedia.Folder(), "h264-aac.ts"))[..(Payloads * PayloadSize)];
        var reorder = ReorderOptions.Default;
        _cached = new Channel(ChannelId.Parse("zato01"), reorder, 1, gopCacheBytes: 8 << 20, liveTimeout: long.MaxValue / 4);
        _uncached = new Channel(ChannelId.Parse("zato02"), reorder, 1, gopCacheBytes: 0, liveTimeout: long.MaxValue / 4);
        _cached.Subscribe(_viewer);
        _uncached.Subscribe(_viewer);
        // Warm up: lists grown to a GOP, the pool holding enough buffers.
        PublishAll(_cached);
        PublishAll(_uncached);
    }

    /// <summary>Publish with the GOP cache: scan each payload, keep a reference, drop the group at the next keyframe.</summary>
    [Benchmark(OperationsPerInvoke = Payloads)]
    public ulong PublishWithGopCache() => PublishAll(_cached);

    /// <summary>The same publish with CASTD_GOP_CACHE_BYTES=0: what castd did before fast start.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Payloads)]
    public ulong PublishWithoutGopCache() => PublishAll(_uncached);

    /// <summary>A fast-start join: the joiner is handed the cached group on the next publish, then leaves.</summary>
    [Benchmark(OperationsPerInvoke = Joins)]
    public long FastStartJoin()
    {
        var joiner = new CountingSubscriber();
        for (var i = 0; i < Joins; i++)
        {
            _cached.SubscribeFastStart(joiner);
            Publish(_cached, (int)(_sequence % Payloads));
            _cached.Unsubscribe(joiner);
        }
        return joiner.Packets;
    }

    private ulong PublishAll(Channel channel)
    {
        for (var i = 0; i < Payloads; i++)
        {
            Publish(channel, i);
        }
        return _sequence;
    }

    private void Publish(Channel channel, int index)
    {
        var packet = _pool.Rent();
        _media.AsSpan(index * PayloadSize, PayloadSize).CopyTo(packet.Initialize(_sequence++, 0, 0, PayloadSize));
        channel.Publish(packet);
    }

    /// <summary>A subscriber that sends at once: takes and drops its reference, as a viewer's finished send does.</summary>
    private sealed class CountingSubscriber : ISubscriber
    {
        public long Packets { get; private set; }

        public void Enqueue(PacketBuffer packet)
        {
            packet.AddRef();
            Packets++;
            packet.Release();
        }

        public void Reserve(int packets, long bytes)
        {
        }

        public void Flush()
        {
        }
    }
}
