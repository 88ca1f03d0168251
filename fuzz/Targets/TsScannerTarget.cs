using Castd.Protocol.MpegTs;
using static Castd.Fuzz.Targets.FuzzInvariantException;

namespace Castd.Fuzz.Targets;

/// <summary>
/// A channel's payloads through one <see cref="TsScanner"/> (docs/playback.md), which promises to throw for no input. The
/// first byte picks the payload size (so TS packets split across payloads are reached), bit 7 of each payload's
/// first byte asks for a gap before it; every report must agree with the bytes fed.
/// </summary>
internal static class TsScannerTarget
{
    /// <summary>Payloads of 1 to 1531 bytes: short ones split TS packets across payloads, long ones hold the usual 1316.</summary>
    private const int PayloadSizeStep = 6;

    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }
        var payloadSize = 1 + (input[0] * PayloadSizeStep);
        var stream = input[1..];
        var scanner = new TsScanner();
        for (var at = 0; at < stream.Length; at += payloadSize)
        {
            var payload = stream.Slice(at, int.Min(payloadSize, stream.Length - at));
            if ((payload[0] & 0x80) != 0)
            {
                scanner.MarkGap();
            }
            var report = scanner.Scan(payload);
            Check(scanner, report, at, payload.Length);
        }
    }

    private static void Check(TsScanner scanner, TsScanReport report, long fedBefore, int length)
    {
        ThrowUnless(report.PayloadPosition == fedBefore && scanner.Position == fedBefore + length, "positions count the bytes fed");
        ThrowUnless(report.SkippedBytes >= 0 && report.SkippedBytes <= length, "no more bytes are skipped than the payload has");
        // One packet may have begun in the previous payload: at most 187 of its bytes came before.
        ThrowUnless(report.Packets >= 0 && (long)report.Packets * TsPacket.Size <= length + TsPacket.Size - 1, "no more packets than the bytes hold");
        ThrowUnless(report.InvalidPackets >= 0 && report.InvalidPackets <= report.Packets, "invalid packets are among the packets");
        ThrowUnless(report.HasRandomAccess == (report.RandomAccessPosition >= 0), "a random access point has a position");
        ThrowUnless(report.RandomAccessPosition < fedBefore + length, "a random access point lies in bytes already fed");
        ThrowUnless(report.IsTransportStream || (report.Packets == 0 && report.SkippedBytes > 0), "only a payload with no packet is judged not MPEG-TS");
        // The null PID 0x1FFF is the highest 13-bit one.
        ThrowUnless(scanner.VideoPid is >= -1 and <= TsPacket.NullPid && scanner.PmtPid is >= -1 and <= TsPacket.NullPid
            && scanner.PcrPid is >= -1 and <= TsPacket.NullPid, "PIDs are 13-bit or unknown");
    }
}
