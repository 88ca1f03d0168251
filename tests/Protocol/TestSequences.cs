using System.Buffers;

namespace Castd.Tests.Protocol;

/// <summary>
/// Builds the shapes a parser must handle the same way: one contiguous segment, two segments split at every
/// index, and one byte per segment (the RESPite reader tests' trick for finding fast-path-only bugs).
/// </summary>
internal static class TestSequences
{
    public static ReadOnlySequence<byte> Whole(byte[] bytes) => new(bytes);

    public static ReadOnlySequence<byte> SplitAt(byte[] bytes, int index) => FromChunks(bytes[..index], bytes[index..]);

    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] bytes) =>
        FromChunks(bytes.Select(b => new[] { b }).ToArray());

    /// <summary>Every shape of <paramref name="bytes"/>, with a name for assertion messages.</summary>
    public static IEnumerable<(string Shape, ReadOnlySequence<byte> Sequence)> AllShapes(byte[] bytes)
    {
        yield return ("whole", Whole(bytes));
        for (var i = 0; i <= bytes.Length; i++)
        {
            yield return ($"split at {i}", SplitAt(bytes, i));
        }
        yield return ("one byte per segment", OneBytePerSegment(bytes));
    }

    public static ReadOnlySequence<byte> FromChunks(params byte[][] chunks)
    {
        if (chunks.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        var first = new Segment(chunks[0], 0);
        var last = first;
        foreach (var chunk in chunks.Skip(1))
        {
            last = last.Append(chunk);
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
