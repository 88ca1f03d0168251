using Castd.Protocol.Source;
using Castd.Protocol.Viewers;

namespace Castd.Protocol.Buffers;

/// <summary>
/// One packet's bytes, copied once from the source socket and shared by every subscriber (docs/source.md).
/// Laid out as <c>[relay header | framed header | payload]</c>, each header written once at ingest, so raw viewers,
/// framed viewers (docs/viewers.md) and relay connections (docs/relay.md: the relay header, then the payload) all send from the
/// same memory.
/// </summary>
/// <remarks>
/// Reference-counted: the ingest loop holds one reference, each subscriber queue adds one, and the last
/// <see cref="Release"/> returns the buffer to its pool. <see cref="AddRef"/> and <see cref="Release"/> are
/// interlocked because queues drain on other threads; the contents are written before the first
/// <see cref="AddRef"/> publishes the buffer, so readers never see a partial packet.
/// </remarks>
public sealed class PacketBuffer
{
    private readonly PacketBufferPool _pool;
    private byte[] _array;
    private int _payloadLength;
    private int _references;

    internal PacketBuffer(PacketBufferPool pool, int capacity)
    {
        _pool = pool;
        _array = Allocate(capacity);
    }

    public ulong Sequence { get; private set; }

    /// <summary>When castd received it, as a TimeProvider timestamp (for latency and liveness).</summary>
    public long ReceivedTimestamp { get; private set; }

    public int PayloadLength => _payloadLength;

    /// <summary>Where the framed header starts: after the relay header.</summary>
    private const int FramedOffset = SourceFrameReader.HeaderSize;

    private const int PayloadOffset = FramedOffset + FramedHeader.Size;

    public ArraySegment<byte> Raw => new(_array, PayloadOffset, _payloadLength);

    public ArraySegment<byte> Framed => new(_array, FramedOffset, FramedHeader.Size + _payloadLength);

    /// <summary>The source frame header (docs/source.md) of this packet as an ordered relay sends it (<c>CAST 0x02</c>); the payload follows as <see cref="Raw"/>.</summary>
    public ArraySegment<byte> RelayHeader => new(_array, 0, SourceFrameReader.HeaderSize);

    internal int Capacity => _array.Length;

    /// <summary>References held now (tests check that every holder let go).</summary>
    internal int References => Volatile.Read(ref _references);

    /// <summary>Returns the payload area to fill; both headers are written here too (a packet that never goes to a relay may leave <paramref name="channel"/> default).</summary>
    public Span<byte> Initialize(ulong sequence, long receivedTimestamp, ulong unixMicros, int payloadLength, ChannelId channel = default)
    {
        var needed = PayloadOffset + payloadLength;
        if (_array.Length < needed)
        {
            _array = Allocate(int.Max(needed, _array.Length * 2));
        }
        Sequence = sequence;
        ReceivedTimestamp = receivedTimestamp;
        _payloadLength = payloadLength;
        _references = 1;
        SourceFrameWriter.WriteHeader(_array, channel, sequence, payloadLength, SourceFrameWriter.RelayVersion);
        FramedHeader.Write(_array.AsSpan(FramedOffset), sequence, unixMicros, payloadLength);
        return _array.AsSpan(PayloadOffset, payloadLength);
    }

    /// <summary>
    /// On the pinned object heap: pooled for the process's life anyway, and the viewer sender hands these addresses
    /// to sendmsg directly, which needs memory the GC never moves.
    /// </summary>
    private static byte[] Allocate(int size) => GC.AllocateArray<byte>(size, pinned: true);

    public void AddRef() => Interlocked.Increment(ref _references);

    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            _pool.Return(this);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException($"Packet {Sequence} released more often than referenced.");
        }
    }
}
