using Castd.Protocol;
using Castd.Protocol.Buffers;
using Castd.Protocol.Source;
using Castd.Protocol.Viewers;
using Xunit;

namespace Castd.Tests.Protocol;

public sealed class PacketBufferTests
{
    private readonly PacketBufferPool _pool = new();

    [Fact]
    public void RawFramedAndRelay_ViewTheSameMemory()
    {
        var buffer = _pool.Rent();
        var payload = buffer.Initialize(sequence: 7, receivedTimestamp: 1, unixMicros: 99, payloadLength: 1316, ChannelId.Parse("zato01"));
        payload.Fill(0xAB);

        Assert.Same(buffer.Raw.Array, buffer.Framed.Array);
        Assert.Same(buffer.Raw.Array, buffer.RelayHeader.Array);
        Assert.Equal(buffer.Framed.Offset + FramedHeader.Size, buffer.Raw.Offset);
        Assert.Equal(1316, buffer.Raw.Count);
        Assert.Equal(FramedHeader.Size + 1316, buffer.Framed.Count);
        Assert.Equal(buffer.RelayHeader.Offset + SourceFrameReader.HeaderSize, buffer.Framed.Offset);
        Assert.True(buffer.Framed.AsSpan(FramedHeader.Size).SequenceEqual(buffer.Raw));

        buffer.Raw.AsSpan()[0] = 0x01;
        Assert.Equal(0x01, buffer.Framed[FramedHeader.Size]);
    }

    [Fact]
    public void Initialize_WritesTheRelayHeaderAsAnOrderedRelaySourceFrame()
    {
        var buffer = _pool.Rent();
        buffer.Initialize(sequence: 42, receivedTimestamp: 5, unixMicros: 1, payloadLength: 188, ChannelId.Parse("zato01"));

        var frame = new byte[SourceFrameReader.HeaderSize + 188];
        buffer.RelayHeader.AsSpan().CopyTo(frame);
        buffer.Raw.AsSpan().CopyTo(frame.AsSpan(SourceFrameReader.HeaderSize));
        var reader = new System.Buffers.SequenceReader<byte>(new System.Buffers.ReadOnlySequence<byte>(frame));

        Assert.True(SourceFrameReader.TryRead(ref reader, SourceFrameReader.DefaultMaxPayload, out var packet));
        Assert.Equal(SourceFrameWriter.RelayVersion, packet.PrefixVersion);
        Assert.Equal("zato01", packet.Channel.ToString());
        Assert.Equal(42UL, packet.Sequence);
        Assert.Equal(188, packet.Payload.Length);
    }

    [Fact]
    public void Initialize_WritesTheFramedHeader()
    {
        var buffer = _pool.Rent();

        buffer.Initialize(sequence: ulong.MaxValue - 1, receivedTimestamp: 5, unixMicros: 1_700_000_000_000_000, payloadLength: 188);

        Assert.Equal((ulong.MaxValue - 1, 1_700_000_000_000_000UL, 188), FramedHeader.Read(buffer.Framed));
        Assert.Equal(ulong.MaxValue - 1, buffer.Sequence);
        Assert.Equal(5, buffer.ReceivedTimestamp);
        Assert.Equal(188, buffer.PayloadLength);
    }

    [Fact]
    public void Initialize_PayloadLargerThanTheBuffer_GrowsIt()
    {
        var buffer = _pool.Rent();
        var size = PacketBufferPool.DefaultBufferSize * 3;

        var payload = buffer.Initialize(1, 0, 0, size);

        Assert.Equal(size, payload.Length);
        Assert.Equal(size, buffer.Raw.Count);
        Assert.Equal(size, FramedHeader.Read(buffer.Framed).Length);
    }

    [Fact]
    public void Release_LastReference_ReturnsTheBufferToThePool()
    {
        var buffer = _pool.Rent();
        buffer.Initialize(1, 0, 0, 10);
        buffer.AddRef();

        buffer.Release();
        var whileReferenced = _pool.Rent();
        buffer.Release();
        var afterLastRelease = _pool.Rent();

        Assert.NotSame(buffer, whileReferenced);
        Assert.Same(buffer, afterLastRelease);
    }

    [Fact]
    public void Release_BufferGrownPastTheRetainLimit_IsNotPooled()
    {
        var buffer = _pool.Rent();
        buffer.Initialize(1, 0, 0, 100_000);

        buffer.Release();

        Assert.NotSame(buffer, _pool.Rent());
    }

    [Fact]
    public void Release_MoreOftenThanReferenced_Throws()
    {
        var buffer = _pool.Rent();
        buffer.Initialize(1, 0, 0, 10);
        buffer.Release();

        Assert.Throws<InvalidOperationException>(buffer.Release);
    }

    [Fact]
    public void FramedHeader_WriteThenRead_RoundTripsBigEndian()
    {
        var header = new byte[FramedHeader.Size];

        FramedHeader.Write(header, 0x0102030405060708, 0x1112131415161718, 1316);

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0, 0, 0x05, 0x24], header);
        Assert.Equal((0x0102030405060708UL, 0x1112131415161718UL, 1316), FramedHeader.Read(header));
    }
}
