using System.Buffers;

namespace Castd.Protocol.MpegTs;

/// <summary>
/// Follows one channel's MPEG-TS across its source payloads (docs/playback.md): keeps sync, reads PAT and PMT to find the
/// video PID, and reports per payload whether it holds a random access point and whether it carries PAT/PMT.
/// Payloads may have any length; a TS packet split between two payloads is completed in a fixed 188-byte buffer.
/// No allocation after construction, nothing thrown for any input.
/// </summary>
/// <remarks>
/// A random access point is a TS packet on the video PID with random_access_indicator set. A stream that never sets
/// that bit (the muxer may leave it out: it is optional) is searched for keyframes instead: a PES start on the video
/// PID whose first coded slice is an H.264 IDR or an HEVC IRAP picture (<see cref="KeyframeProbe"/>). Once the video
/// PID has shown one random_access_indicator the muxer is trusted and the slice search stops: the indicator also marks
/// points an IDR search cannot (e.g. a CRA after an open GOP the muxer knows to be clean).
/// Not thread-safe: one scanner per channel, fed in payload order.
/// </remarks>
public sealed class TsScanner
{
    /// <summary>
    /// Sync bytes at three consecutive packet starts before (re)acquiring sync in the middle of a payload: random
    /// bytes match that by chance with odds of 2^-24 a position. At a payload's start, where a real stream's packets
    /// begin, every sync byte the payload holds must match, however few.
    /// </summary>
    private const int SyncConfirmations = 3;

    private const int Unknown = -1;

    private readonly byte[] _partial = new byte[TsPacket.Size];
    private int _partialLength;
    private bool _synced;
    private long _position;
    private int _lastVideoCounter = Unknown;
    private bool _videoSetsRai;
    private KeyframeProbe _probe;

    public int ProgramNumber { get; private set; }
    public int PmtPid { get; private set; } = Unknown;
    public int PcrPid { get; private set; } = Unknown;
    public int VideoPid { get; private set; } = Unknown;
    public TsStreamType VideoType { get; private set; }

    /// <summary>Bytes fed so far: the stream position of the next payload's first byte.</summary>
    public long Position => _position;

    /// <summary>
    /// The bytes before the next payload are missing (a lost source packet): drop the partial TS packet and look for
    /// sync again, so the gap cannot be glued into one false packet. Program state is kept.
    /// </summary>
    public void MarkGap()
    {
        _partialLength = 0;
        _synced = false;
        _probe.Cancel();
        _lastVideoCounter = Unknown;
    }

    /// <summary>Scans one source payload; see <see cref="TsScanReport"/> for what it reports.</summary>
    public TsScanReport Scan(ReadOnlySpan<byte> payload)
    {
        var scan = new PayloadScan(_position);
        var i = 0;
        if (_partialLength > 0)
        {
            var take = int.Min(TsPacket.Size - _partialLength, payload.Length);
            payload[..take].CopyTo(_partial.AsSpan(_partialLength));
            _partialLength += take;
            i = take;
            if (_partialLength == TsPacket.Size)
            {
                _partialLength = 0;
                Process(_partial, _position + i - TsPacket.Size, ref scan);
            }
        }
        while (i < payload.Length)
        {
            if (!_synced)
            {
                var sync = FindSync(payload, i);
                scan.SkippedBytes += (sync < 0 ? payload.Length : sync) - i;
                if (sync < 0)
                {
                    break;
                }
                i = sync;
                _synced = true;
            }
            if (payload[i] != TsPacket.SyncByte)
            {
                _synced = false;
                _probe.Cancel();
                continue;
            }
            if (payload.Length - i < TsPacket.Size)
            {
                payload[i..].CopyTo(_partial);
                _partialLength = payload.Length - i;
                scan.SawSync = true;
                break;
            }
            Process(payload.Slice(i, TsPacket.Size), _position + i, ref scan);
            i += TsPacket.Size;
        }
        _position += payload.Length;
        if (scan.SkippedBytes > 0 && scan.Packets == 0 && !scan.SawSync)
        {
            scan.Flags |= TsScanFlags.NotTransportStream;
        }
        return new TsScanReport(scan.Flags, scan.PayloadPosition, scan.RandomAccessPosition, scan.Packets, scan.SkippedBytes, scan.InvalidPackets);
    }

    /// <summary>The first index from <paramref name="from"/> where sync can be trusted, or −1.</summary>
    private static int FindSync(ReadOnlySpan<byte> payload, int from)
    {
        for (var at = from; at < payload.Length; at++)
        {
            var found = payload[at..].IndexOf(TsPacket.SyncByte);
            if (found < 0)
            {
                return -1;
            }
            at += found;
            var visible = 0;
            var matched = 0;
            for (var next = at; next < payload.Length && visible < SyncConfirmations; next += TsPacket.Size)
            {
                visible++;
                if (payload[next] == TsPacket.SyncByte)
                {
                    matched++;
                }
            }
            if (matched == visible && (at == 0 || visible == SyncConfirmations))
            {
                return at;
            }
        }
        return -1;
    }

    private void Process(ReadOnlySpan<byte> bytes, long position, ref PayloadScan scan)
    {
        scan.Packets++;
        scan.SawSync = true;
        if (TsPacket.TryRead(bytes, out var packet) != OperationStatus.Done)
        {
            scan.InvalidPackets++;
            return;
        }
        if (packet.TransportError)
        {
            return;
        }
        if (packet.Pid == TsPacket.PatPid)
        {
            scan.Flags |= TsScanFlags.ProgramTables;
            if (packet.PayloadUnitStart)
            {
                ReadPat(packet.Payload, ref scan);
            }
        }
        else if (packet.Pid == PmtPid)
        {
            scan.Flags |= TsScanFlags.ProgramTables;
            if (packet.PayloadUnitStart)
            {
                ReadPmt(packet.Payload, ref scan);
            }
        }
        else if (packet.Pid == VideoPid)
        {
            Video(packet, position, ref scan);
        }
    }

    private void ReadPat(ReadOnlySpan<byte> payload, ref PayloadScan scan)
    {
        if (ProgramTables.TryReadPat(payload, out var pat) != OperationStatus.Done || !pat.IsCurrent || pat.PmtPid < 0)
        {
            return;
        }
        if (pat.PmtPid != PmtPid || pat.ProgramNumber != ProgramNumber)
        {
            // A new program: its PMT names the video PID; until then the old one means nothing.
            (PmtPid, ProgramNumber) = (pat.PmtPid, pat.ProgramNumber);
            SetVideo(Unknown, TsStreamType.None);
            PcrPid = Unknown;
            scan.Flags |= TsScanFlags.ProgramChanged;
        }
    }

    private void ReadPmt(ReadOnlySpan<byte> payload, ref PayloadScan scan)
    {
        if (ProgramTables.TryReadPmt(payload, out var map) != OperationStatus.Done || !map.IsCurrent
            || map.ProgramNumber != ProgramNumber)
        {
            return;
        }
        PcrPid = map.PcrPid;
        if (map.VideoPid != VideoPid || map.VideoType != VideoType)
        {
            SetVideo(map.VideoPid, map.VideoType);
            scan.Flags |= TsScanFlags.ProgramChanged;
        }
    }

    private void SetVideo(int pid, TsStreamType type)
    {
        (VideoPid, VideoType) = (pid, type);
        _videoSetsRai = false;
        _lastVideoCounter = Unknown;
        _probe.Cancel();
    }

    private void Video(TsPacket packet, long position, ref PayloadScan scan)
    {
        var continuous = _lastVideoCounter == Unknown || packet.ContinuityCounter == ((_lastVideoCounter + 1) & 0xF);
        if (packet.HasPayload)
        {
            _lastVideoCounter = packet.ContinuityCounter;
        }
        if (packet.RandomAccess)
        {
            _videoSetsRai = true;
            _probe.Cancel();
            scan.RandomAccessAt(position);
            return;
        }
        if (_videoSetsRai || !packet.HasPayload || VideoType is not (TsStreamType.H264 or TsStreamType.Hevc))
        {
            return;
        }
        var elementary = packet.Payload;
        if (packet.PayloadUnitStart)
        {
            if (!PesHeader.TrySkip(packet.Payload, out elementary))
            {
                _probe.Cancel();
                return;
            }
            _probe.Start(VideoType, position);
        }
        else if (!_probe.Active)
        {
            return;
        }
        else if (!continuous && !packet.Discontinuity)
        {
            // A lost packet inside the PES: what follows is not the picture the PES started.
            _probe.Cancel();
            return;
        }
        if (_probe.Feed(elementary) == ProbeResult.Keyframe)
        {
            scan.RandomAccessAt(_probe.PesPosition);
        }
    }

    /// <summary>What one <see cref="Scan"/> call has found so far.</summary>
    private struct PayloadScan(long payloadPosition)
    {
        public TsScanFlags Flags;
        public readonly long PayloadPosition = payloadPosition;
        public long RandomAccessPosition = -1;
        public int Packets;
        public int SkippedBytes;
        public int InvalidPackets;
        public bool SawSync;

        public void RandomAccessAt(long position)
        {
            Flags |= TsScanFlags.RandomAccess;
            RandomAccessPosition = position;
        }
    }
}
