using Castd.Protocol.MpegTs;

namespace Castd.Castload.Source;

/// <summary>
/// When each byte of a TS file is due in real time, from the program clock references on its PCR PID
/// (ISO/IEC 13818-1 2.4.2.2: the PCR is the time its byte should arrive at the decoder). Bytes before the first PCR
/// are due at once, bytes between two PCRs linearly in between, bytes after the last at the file's mean rate.
/// </summary>
internal sealed class PcrTimeline
{
    /// <summary>A PCR step backwards or longer than this is a new time base (a program change, a spliced file), not time.</summary>
    private const long MaxStepTicks = TsPacket.PcrHz;

    private readonly long[] _positions;
    private readonly double[] _seconds;
    private readonly double _bytesPerSecond;

    private PcrTimeline(long[] positions, double[] seconds, long length)
    {
        _positions = positions;
        _seconds = seconds;
        _bytesPerSecond = (positions[^1] - positions[0]) / seconds[^1];
        Duration = SecondsAt(length);
    }

    /// <summary>How long the whole file plays: one loop.</summary>
    public double Duration { get; }

    /// <summary>Reads the PCRs of a whole, packet-aligned TS file; null when it has fewer than two (no clock to pace by).</summary>
    public static PcrTimeline? Read(ReadOnlySpan<byte> file)
    {
        // The scanner follows PAT and PMT to the PCR PID, packet by packet, through any program change.
        var scanner = new TsScanner();
        var positions = new List<long>();
        var seconds = new List<double>();
        long previous = -1;
        var now = 0.0;
        for (var offset = 0; offset + TsPacket.Size <= file.Length; offset += TsPacket.Size)
        {
            var bytes = file.Slice(offset, TsPacket.Size);
            scanner.Scan(bytes);
            if (TsPacket.TryRead(bytes, out var packet) != System.Buffers.OperationStatus.Done
                || packet.Pid != scanner.PcrPid || !packet.HasPcr)
            {
                continue;
            }
            if (previous >= 0)
            {
                var step = packet.Pcr - previous;
                now += step is >= 0 and <= MaxStepTicks ? step / (double)TsPacket.PcrHz
                    // A new time base: let the bytes since the last PCR take as long as bytes did so far (nothing if
                    // there is no "so far" yet).
                    : positions.Count >= 2 ? (offset - positions[^1]) * (now / (positions[^1] - positions[0]))
                    : 0;
            }
            previous = packet.Pcr;
            positions.Add(offset);
            seconds.Add(now);
        }
        return positions.Count >= 2 && now > 0 ? new PcrTimeline([.. positions], [.. seconds], file.Length) : null;
    }

    /// <summary>Seconds from the start of the file at which the byte at <paramref name="position"/> is due.</summary>
    public double SecondsAt(long position)
    {
        if (position <= _positions[0])
        {
            return 0;
        }
        if (position >= _positions[^1])
        {
            return _seconds[^1] + (position - _positions[^1]) / _bytesPerSecond;
        }
        var next = Array.BinarySearch(_positions, position);
        if (next >= 0)
        {
            return _seconds[next];
        }
        next = ~next;
        var (from, to) = (next - 1, next);
        var share = (position - _positions[from]) / (double)(_positions[to] - _positions[from]);
        return _seconds[from] + share * (_seconds[to] - _seconds[from]);
    }
}
