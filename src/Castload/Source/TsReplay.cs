using System.Diagnostics.CodeAnalysis;
using Castd.Protocol.MpegTs;

namespace Castd.Castload.Source;

/// <summary>
/// <c>castload source --ts FILE</c>: the file cut into source payloads of 7 TS packets (1316 bytes, docs/source.md: with the
/// 23-byte frame header it still fits a 1500-byte MTU after IP and TCP headers), each due when its PCR says, looped
/// forever; every play after the first is the copy marked by <see cref="LoopDiscontinuity"/>.
/// </summary>
internal sealed class TsReplay
{
    public const int PacketsPerPayload = 7;
    public const int PayloadSize = PacketsPerPayload * TsPacket.Size;

    private readonly byte[] _first;
    private readonly byte[] _looped;
    private readonly double[] _due;

    private TsReplay(byte[] file, PcrTimeline timeline)
    {
        _first = file;
        _looped = LoopDiscontinuity.Mark(file);
        PayloadCount = (file.Length + PayloadSize - 1) / PayloadSize;
        _due = [.. Enumerable.Range(0, PayloadCount).Select(i => timeline.SecondsAt((long)i * PayloadSize))];
        LoopSeconds = timeline.Duration;
    }

    /// <summary>Payloads in one play of the file (the last may be shorter, still whole TS packets).</summary>
    public int PayloadCount { get; }

    public double LoopSeconds { get; }

    public long FileBytes => _first.Length;

    /// <summary>Loads and checks the file: whole 188-byte packets, each with its sync byte, and a PCR to pace by.</summary>
    public static bool TryLoad(string path, [NotNullWhen(true)] out TsReplay? replay, out string error)
    {
        replay = null;
        error = "";
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read {path}: {ex.Message}";
            return false;
        }
        if (file.Length == 0)
        {
            error = $"{path} is empty";
            return false;
        }
        for (var offset = 0; offset < file.Length; offset += TsPacket.Size)
        {
            if (file.Length - offset < TsPacket.Size || file[offset] != TsPacket.SyncByte)
            {
                error = $"{path} is not MPEG-TS: no sync byte in a whole 188-byte packet at offset {offset}";
                return false;
            }
        }
        var timeline = PcrTimeline.Read(file);
        if (timeline is null)
        {
            error = $"{path} has no program clock references to pace by";
            return false;
        }
        replay = new TsReplay(file, timeline);
        return true;
    }

    /// <summary>The payload with this per-channel sequence number: payload <c>sequence % PayloadCount</c> of play <c>sequence / PayloadCount</c>.</summary>
    public ReadOnlySpan<byte> Payload(ulong sequence)
    {
        var index = (int)(sequence % (ulong)PayloadCount);
        var start = index * PayloadSize;
        var source = sequence < (ulong)PayloadCount ? _first : _looped;
        return source.AsSpan(start, int.Min(PayloadSize, source.Length - start));
    }

    /// <summary>How many payloads of a channel are due after <paramref name="elapsedSeconds"/> of real time.</summary>
    public long Due(double elapsedSeconds)
    {
        var plays = (long)(elapsedSeconds / LoopSeconds);
        var into = elapsedSeconds - plays * LoopSeconds;
        var index = Array.BinarySearch(_due, into);
        // Every payload due at or before `into`: equal due times (the burst before the first PCR) all count.
        var dueInPlay = index >= 0 ? UpperBound(index, into) : ~index;
        return plays * PayloadCount + dueInPlay;
    }

    private int UpperBound(int index, double value)
    {
        while (index < _due.Length && _due[index] <= value)
        {
            index++;
        }
        return index;
    }
}
