using System.Buffers.Binary;

namespace Castd.Castload.Common;

/// <summary>
/// castload's payload convention (castd treats payloads as opaque): the sequence number and the send time in
/// Unix microseconds lead the payload, the rest is a pattern derived from the sequence number so receivers can
/// check content byte for byte.
/// </summary>
internal static class PayloadStamp
{
    public const int Size = 16;

    /// <summary>A prime period, so the pattern does not line up with the 188-byte TS packet size.</summary>
    private const int PatternPeriod = 251;

    private static readonly byte[] Pattern = BuildPattern();

    public static void Write(Span<byte> payload, ulong sequence, long unixMicros)
    {
        if (payload.Length >= Size)
        {
            BinaryPrimitives.WriteUInt64BigEndian(payload, sequence);
            BinaryPrimitives.WriteInt64BigEndian(payload[8..], unixMicros);
        }
        var start = int.Min(Size, payload.Length);
        Pattern.AsSpan(PatternOffset(sequence, start), payload.Length - start).CopyTo(payload[start..]);
    }

    public static bool TryRead(ReadOnlySpan<byte> payload, out ulong sequence, out long unixMicros)
    {
        sequence = 0;
        unixMicros = 0;
        if (payload.Length < Size)
        {
            return false;
        }
        sequence = BinaryPrimitives.ReadUInt64BigEndian(payload);
        unixMicros = BinaryPrimitives.ReadInt64BigEndian(payload[8..]);
        return true;
    }

    /// <summary>True when the payload is exactly what <see cref="Write"/> produced for <paramref name="expectedSequence"/>.</summary>
    public static bool IsIntact(ReadOnlySpan<byte> payload, ulong expectedSequence)
    {
        if (payload.Length >= Size && (!TryRead(payload, out var sequence, out _) || sequence != expectedSequence))
        {
            return false;
        }
        var start = int.Min(Size, payload.Length);
        return payload[start..].SequenceEqual(Pattern.AsSpan(PatternOffset(expectedSequence, start), payload.Length - start));
    }

    /// <summary>
    /// True when <paramref name="payload"/> is castload's for <paramref name="expectedSequence"/>, its send time within a
    /// day of now: a foreign payload may match the pattern by chance (its first bytes counting up), never also the clock.
    /// </summary>
    public static bool IsStamped(ReadOnlySpan<byte> payload, ulong expectedSequence) =>
        IsIntact(payload, expectedSequence) && TryRead(payload, out _, out var sentMicros)
        && Math.Abs(NowMicros() - sentMicros) < TimeSpan.FromDays(1).Ticks / TimeSpan.TicksPerMicrosecond;

    public static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;

    private static int PatternOffset(ulong sequence, int start) => (int)((sequence + (ulong)start) % PatternPeriod);

    private static byte[] BuildPattern()
    {
        // Long enough for a 1 MiB payload starting anywhere in the period.
        var pattern = new byte[(1 << 20) + PatternPeriod];
        for (var i = 0; i < pattern.Length; i++)
        {
            pattern[i] = (byte)(i % PatternPeriod);
        }
        return pattern;
    }
}
