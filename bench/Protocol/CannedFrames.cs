using System.Buffers;
using Castd.Protocol;
using Castd.Protocol.Source;

namespace Castd.Bench.Protocol;

/// <summary>Canned channel-source input (docs/source.md), built once in GlobalSetup so benchmarks time parsing only.</summary>
internal static class CannedFrames
{
    /// <summary>7 × 188-byte TS packets: what a real source sends (docs/source.md).</summary>
    public const int PayloadSize = 1316;

    public const int FrameSize = SourceFrameReader.HeaderSize + PayloadSize;

    public static readonly ChannelId Channel = ChannelId.Parse("zato01");

    /// <summary>One frame per entry of <paramref name="sequences"/>, back to back in one array.</summary>
    public static byte[] Build(IReadOnlyList<ulong> sequences)
    {
        var writer = new ArrayBufferWriter<byte>(sequences.Count * FrameSize);
        var payload = new byte[PayloadSize];
        foreach (var sequence in sequences)
        {
            payload.AsSpan().Fill((byte)sequence);
            SourceFrameWriter.Write(writer, Channel, sequence, payload);
        }
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// 0..count-1 with each number moved at most <paramref name="displacement"/> places: sorting by
    /// index + random(0..displacement) bounds how far any element travels.
    /// </summary>
    public static ulong[] MildShuffle(int count, int displacement, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i => (Sequence: (ulong)i, Key: i + random.Next(0, displacement + 1)))
            .OrderBy(pair => pair.Key)
            .Select(pair => pair.Sequence)
            .ToArray();
    }

    /// <summary>The same bytes cut into fixed-size segments, the way a socket pipe hands them over.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        var first = new Segment(bytes.AsMemory(0, Math.Min(segmentSize, bytes.Length)), 0);
        var last = first;
        for (var offset = segmentSize; offset < bytes.Length; offset += segmentSize)
        {
            last = last.Append(bytes.AsMemory(offset, Math.Min(segmentSize, bytes.Length - offset)));
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
