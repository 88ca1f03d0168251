using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Castd.Protocol;
using Castd.Protocol.Source;
using Xunit;

namespace Castd.Tests.Protocol;

public sealed class SourceFrameReaderTests
{
    private const int SmallMax = 64;

    private static readonly ChannelId Zato = ChannelId.Parse("zato01");

    public static TheoryData<int> PayloadLengths => [0, 1, 7, 1316];

    [Theory]
    [MemberData(nameof(PayloadLengths))]
    public void TryRead_EveryShape_ParsesTheSameFrame(int payloadLength)
    {
        var payload = Pattern(payloadLength, seed: 3);
        var frame = Frame(Zato, 42, payload);

        foreach (var (shape, sequence) in TestSequences.AllShapes(frame))
        {
            var frames = ReadAll(sequence, SourceFrameReader.DefaultMaxPayload, out var consumed);

            var parsed = Assert.Single(frames);
            Assert.True(parsed.Channel == Zato, shape);
            Assert.Equal(42UL, parsed.Sequence);
            Assert.Equal(SourceFrameWriter.SourceVersion, parsed.PrefixVersion);
            Assert.True(payload.AsSpan().SequenceEqual(parsed.Payload), shape);
            Assert.Equal(frame.Length, consumed);
        }
    }

    [Fact]
    public void TryRead_SplitAtEveryIndex_ParsesTheSameFrame()
    {
        var payload = Pattern(1316, seed: 11);
        var frame = Frame(Zato, ulong.MaxValue, payload);

        for (var i = 0; i <= frame.Length; i++)
        {
            var parsed = Assert.Single(ReadAll(TestSequences.SplitAt(frame, i), SourceFrameReader.DefaultMaxPayload, out var consumed));
            Assert.Equal(ulong.MaxValue, parsed.Sequence);
            Assert.True(payload.AsSpan().SequenceEqual(parsed.Payload), $"split at {i}");
            Assert.Equal(frame.Length, consumed);
        }
    }

    [Theory]
    [MemberData(nameof(PayloadLengths))]
    public void TryRead_EveryProperPrefix_ReturnsFalseAndConsumesNothing(int payloadLength)
    {
        var frame = Frame(Zato, 7, Pattern(payloadLength, seed: 5));
        // Prefixes are slices of each shape, so the split-across-segments paths see every truncation point.
        ReadOnlySequence<byte>[] shapes = [TestSequences.Whole(frame), TestSequences.OneBytePerSegment(frame), TestSequences.SplitAt(frame, 10)];

        foreach (var shape in shapes)
        {
            for (var length = 0; length < frame.Length; length++)
            {
                var reader = new SequenceReader<byte>(shape.Slice(0, length));

                Assert.False(SourceFrameReader.TryRead(ref reader, SourceFrameReader.DefaultMaxPayload, out _), $"prefix {length}");
                Assert.Equal(0, reader.Consumed);
            }
        }
    }

    [Fact]
    public void TryRead_FramesBackToBack_ParsesEachInOrder()
    {
        var expected = new[]
        {
            (Channel: ChannelId.Parse("zato01"), Sequence: 1UL, Payload: Pattern(0, seed: 1)),
            (Channel: ChannelId.Parse("zato02"), Sequence: 1UL, Payload: Pattern(1316, seed: 2)),
            (Channel: ChannelId.Parse("zato01"), Sequence: 2UL, Payload: Pattern(5, seed: 3)),
            (Channel: ChannelId.Parse("~!AZaz"), Sequence: 1UL << 40, Payload: Pattern(188, seed: 4)),
        };
        var stream = expected.SelectMany(e => Frame(e.Channel, e.Sequence, e.Payload)).ToArray();

        foreach (var (shape, sequence) in TestSequences.AllShapes(stream))
        {
            var frames = ReadAll(sequence, SourceFrameReader.DefaultMaxPayload, out var consumed);

            Assert.Equal(expected.Length, frames.Count);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(frames[i].Channel == expected[i].Channel, shape);
                Assert.Equal(expected[i].Sequence, frames[i].Sequence);
                Assert.True(expected[i].Payload.AsSpan().SequenceEqual(frames[i].Payload), $"{shape}, frame {i}");
            }
            Assert.Equal(stream.Length, consumed);
        }
    }

    [Fact]
    public void TryRead_CompleteFramesThenAPartialOne_ConsumesOnlyTheCompleteFrames()
    {
        var complete = Frame(Zato, 1, Pattern(100, seed: 1)).Concat(Frame(Zato, 2, Pattern(100, seed: 2))).ToArray();
        var partial = Frame(Zato, 3, Pattern(100, seed: 3))[..50];

        var frames = ReadAll(TestSequences.Whole([.. complete, .. partial]), SourceFrameReader.DefaultMaxPayload, out var consumed);

        Assert.Equal([1UL, 2UL], frames.Select(f => f.Sequence));
        Assert.Equal(complete.Length, consumed);
    }

    [Fact]
    public void TryRead_ContiguousBuffer_SlicesThePayloadWithoutCopying()
    {
        var frame = Frame(Zato, 9, Pattern(1316, seed: 9));
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(frame));

        Assert.True(SourceFrameReader.TryRead(ref reader, SourceFrameReader.DefaultMaxPayload, out var packet));

        Assert.True(packet.Payload.IsSingleSegment);
        Assert.True(MemoryMarshal.TryGetArray(packet.Payload.First, out var segment));
        Assert.Same(frame, segment.Array);
        Assert.Equal(SourceFrameReader.HeaderSize, segment.Offset);
        Assert.Equal(1316, segment.Count);
    }

    [Theory]
    [InlineData(uint.MaxValue)]
    [InlineData((uint)SourceFrameReader.DefaultMaxPayload + 1)]
    [InlineData((uint)int.MaxValue + 1)]
    public void TryRead_HostileLength_ThrowsPayloadTooLargeAsSoonAsTheHeaderIsComplete(uint length)
    {
        var header = Header(length);

        foreach (var (shape, sequence) in TestSequences.AllShapes(header))
        {
            var ex = Assert.Throws<SourceProtocolException>(() => ReadAll(sequence, SourceFrameReader.DefaultMaxPayload, out _));
            Assert.True(ex.Violation == SourceProtocolViolation.PayloadTooLarge, shape);
        }
        // One byte short of a header cannot be judged yet.
        Assert.Empty(ReadAll(TestSequences.Whole(header[..^1]), SourceFrameReader.DefaultMaxPayload, out var consumed));
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void TryRead_HostileLength_DoesNotAllocateThePayload()
    {
        var header = Header(uint.MaxValue);
        var sequences = new[] { TestSequences.Whole(header), TestSequences.OneBytePerSegment(header) };
        // Warm up so the JIT and the first exception's one-time costs are not counted.
        ThrowsPayloadTooLarge(sequences[0]);
        ThrowsPayloadTooLarge(sequences[1]);

        foreach (var sequence in sequences)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var violation = ThrowsPayloadTooLarge(sequence);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(SourceProtocolViolation.PayloadTooLarge, violation);
            // The exception and its message cost a few hundred bytes; 4 GiB would be a different story.
            Assert.InRange(allocated, 0, 1024);
        }
    }

    [Fact]
    public void TryRead_BadChannelWithALegalLength_ThrowsAsSoonAsTheHeaderIsComplete()
    {
        // Regression: the channel id used to be checked only once the whole (up to 1 MiB) payload was buffered.
        var header = Header(1 << 20);
        header[5] = 0x00;

        var ex = Assert.Throws<SourceProtocolException>(() => ReadAll(TestSequences.Whole(header), SourceFrameReader.DefaultMaxPayload, out _));

        Assert.Equal(SourceProtocolViolation.InvalidChannelId, ex.Violation);
    }

    [Fact]
    public void TryRead_PayloadExactlyAtTheMaximum_IsAccepted()
    {
        var atMax = Frame(Zato, 1, Pattern(SmallMax, seed: 1));
        var overMax = Frame(Zato, 1, Pattern(SmallMax + 1, seed: 1));

        var parsed = Assert.Single(ReadAll(TestSequences.Whole(atMax), SmallMax, out _));
        Assert.Equal(SmallMax, parsed.Payload.Length);
        var ex = Assert.Throws<SourceProtocolException>(() => ReadAll(TestSequences.Whole(overMax), SmallMax, out _));
        Assert.Equal(SourceProtocolViolation.PayloadTooLarge, ex.Violation);
    }

    [Fact]
    public void TryRead_PayloadExactlyAtTheDefaultMaximum_IsAccepted()
    {
        var frame = Frame(Zato, 1, Pattern(SourceFrameReader.DefaultMaxPayload, seed: 1));

        var parsed = Assert.Single(ReadAll(TestSequences.SplitAt(frame, frame.Length / 2), SourceFrameReader.DefaultMaxPayload, out _));

        Assert.Equal(SourceFrameReader.DefaultMaxPayload, parsed.Payload.Length);
    }

    [Theory]
    [InlineData(0x00, 0)]
    [InlineData(0x20, 3)]
    [InlineData(0x80, 5)]
    [InlineData(0x7F, 1)]
    [InlineData(0xFF, 2)]
    public void TryRead_ChannelWithAnUnprintableByte_ThrowsInvalidChannelId(byte bad, int position)
    {
        var frame = Frame(Zato, 1, Pattern(10, seed: 1));
        frame[5 + position] = bad;

        foreach (var (shape, sequence) in TestSequences.AllShapes(frame))
        {
            var ex = Assert.Throws<SourceProtocolException>(() => ReadAll(sequence, SourceFrameReader.DefaultMaxPayload, out _));
            Assert.True(ex.Violation == SourceProtocolViolation.InvalidChannelId, shape);
        }
    }

    [Theory]
    [InlineData(new byte[] { (byte)'C', (byte)'A', (byte)'S', (byte)'T', 0x01 }, 1)]
    [InlineData(new byte[] { (byte)'C', (byte)'A', (byte)'S', (byte)'T', 0x02 }, 2)]
    [InlineData(new byte[] { (byte)'c', (byte)'a', (byte)'s', (byte)'t', 0x01 }, 0)]
    [InlineData(new byte[] { (byte)'X', (byte)'A', (byte)'S', (byte)'T', 0x02 }, 0)]
    [InlineData(new byte[] { 0, 0, 0, 0, 0 }, 0)]
    public void TryRead_Prefix_ReportsTheVersionByteOnlyAfterCast(byte[] prefix, byte expected)
    {
        var frame = Frame(Zato, 1, Pattern(3, seed: 1));
        prefix.CopyTo(frame, 0);

        foreach (var (shape, sequence) in TestSequences.AllShapes(frame))
        {
            var parsed = Assert.Single(ReadAll(sequence, SourceFrameReader.DefaultMaxPayload, out _));
            Assert.True(parsed.PrefixVersion == expected, shape);
        }
    }

    [Fact]
    public void WriteHeader_MatchesTheSpecLayout()
    {
        var header = new byte[SourceFrameReader.HeaderSize];

        SourceFrameWriter.WriteHeader(header, Zato, 0x0102030405060708, 1316);

        byte[] expected = [.. "CAST"u8, 0x01, .. "zato01"u8, 1, 2, 3, 4, 5, 6, 7, 8, 0x00, 0x00, 0x05, 0x24];
        Assert.Equal(expected, header);
    }

    private static SourceProtocolViolation ThrowsPayloadTooLarge(ReadOnlySequence<byte> sequence)
    {
        var reader = new SequenceReader<byte>(sequence);
        try
        {
            SourceFrameReader.TryRead(ref reader, SourceFrameReader.DefaultMaxPayload, out _);
        }
        catch (SourceProtocolException ex)
        {
            return ex.Violation;
        }
        throw new InvalidOperationException("expected a SourceProtocolException");
    }

    private static List<ParsedFrame> ReadAll(ReadOnlySequence<byte> sequence, int maxPayload, out long consumed)
    {
        var frames = new List<ParsedFrame>();
        var reader = new SequenceReader<byte>(sequence);
        while (SourceFrameReader.TryRead(ref reader, maxPayload, out var packet))
        {
            frames.Add(new ParsedFrame(packet.PrefixVersion, packet.Channel, packet.Sequence, packet.Payload.ToArray()));
        }
        consumed = reader.Consumed;
        return frames;
    }

    private static byte[] Frame(ChannelId channel, ulong sequence, byte[] payload)
    {
        var writer = new ArrayBufferWriter<byte>();
        SourceFrameWriter.Write(writer, channel, sequence, payload);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A header announcing <paramref name="length"/> bytes, with none of them following.</summary>
    private static byte[] Header(uint length)
    {
        var header = new byte[SourceFrameReader.HeaderSize];
        SourceFrameWriter.WriteHeader(header, Zato, 1, 0);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(19), length);
        return header;
    }

    /// <summary>Distinct bytes per position and seed, so a payload sliced one byte off never compares equal.</summary>
    private static byte[] Pattern(int length, int seed) =>
        Enumerable.Range(0, length).Select(i => (byte)((i * 31) + (i >> 8) + seed)).ToArray();

    private sealed record ParsedFrame(byte PrefixVersion, ChannelId Channel, ulong Sequence, byte[] Payload);
}
