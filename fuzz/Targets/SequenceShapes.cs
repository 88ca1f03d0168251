using System.Buffers;

namespace Castd.Fuzz.Targets;

/// <summary>
/// The segmentations a pipe may hand a parser for the same bytes. A parser must read them all alike: the fast path
/// over one span and the slow path over a header split across segments may not disagree.
/// </summary>
internal static class SequenceShapes
{
    /// <summary>Up to this length every split point is tried; past it, this many evenly spaced ones (a fuzz input
    /// runs thousands of times a second, so the work per input stays linear).</summary>
    private const int SplitPoints = 64;

    /// <summary>One byte per segment costs a segment object per byte: only for inputs this short.</summary>
    private const int MaxOneBytePerSegment = 4096;

    public static IEnumerable<ReadOnlySequence<byte>> Of(byte[] bytes)
    {
        if (bytes.Length <= SplitPoints)
        {
            for (var i = 1; i < bytes.Length; i++)
            {
                yield return Chunks(bytes, [i]);
            }
        }
        else
        {
            for (var k = 1; k < SplitPoints; k++)
            {
                yield return Chunks(bytes, [bytes.Length * k / SplitPoints]);
            }
        }
        if (bytes.Length > 1 && bytes.Length <= MaxOneBytePerSegment)
        {
            yield return Chunks(bytes, [.. Enumerable.Range(1, bytes.Length - 1)]);
        }
    }

    /// <summary>The bytes cut at the given ascending indices, each piece its own segment.</summary>
    private static ReadOnlySequence<byte> Chunks(byte[] bytes, int[] cuts)
    {
        var first = new Segment(bytes.AsMemory(0, cuts[0]), previous: null);
        var last = first;
        for (var i = 0; i < cuts.Length; i++)
        {
            var end = i + 1 < cuts.Length ? cuts[i + 1] : bytes.Length;
            last = new Segment(bytes.AsMemory(cuts[i], end - cuts[i]), last);
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>A segment that links itself after <c>previous</c>.</summary>
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
