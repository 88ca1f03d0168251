using System.Runtime.InteropServices;
using Castd.Protocol.Buffers;

namespace Castd.Protocol.MpegTs;

/// <summary>
/// One channel's fast-start cache (docs/playback.md): references to the in-order payloads since the latest random access
/// point, starting with the payload that carried the PAT/PMT before it, so a joining viewer can be handed a decodable
/// group and then the live packets. Holds references to the pooled packets: nothing is copied.
/// </summary>
/// <remarks>
/// <para>Muxers repeat PAT and PMT right before each keyframe (ffmpeg forces them there), so starting the group at the
/// payload with the latest tables at or before the keyframe gives the player its program map first. A payload that
/// holds the tail of the previous group before them is harmless: a demuxer drops PES data it has no start for.</para>
/// <para>A gap (a lost packet) or a group larger than the bound leaves no group until the next random access point:
/// a group with a hole in it would not decode. Payloads that are not MPEG-TS leave the cache empty and are counted.</para>
/// <para>Owned by the ingest thread; not thread-safe. Nothing is allocated per packet once the list has grown to the
/// largest group seen.</para>
/// </remarks>
public sealed class GopCache(long maxBytes)
{
    private readonly TsScanner _scanner = new();
    private readonly List<Entry> _entries = [];
    private long _bytes;
    private bool _complete;

    /// <summary>Payloads in the group a joining viewer gets (0 when there is no group).</summary>
    public int Count => _complete ? _entries.Count : 0;

    /// <summary>Payload bytes of that group.</summary>
    public long Bytes => _complete ? _bytes : 0;

    /// <summary>The <paramref name="index"/>-th payload of the group, oldest first.</summary>
    public PacketBuffer this[int index] => CollectionsMarshal.AsSpan(_entries)[..Count][index].Packet;

    /// <summary>Groups started: random access points found with their program tables in reach.</summary>
    public long Groups { get; private set; }

    /// <summary>Groups given up because they grew past the bound.</summary>
    public long Overflows { get; private set; }

    /// <summary>Payloads that were not MPEG-TS.</summary>
    public long ForeignPayloads { get; private set; }

    /// <summary>Takes the next in-order payload of the channel; keeps a reference of its own while it is cached.</summary>
    public void Add(PacketBuffer packet)
    {
        var report = _scanner.Scan(packet.Raw);
        if (!report.IsTransportStream)
        {
            ForeignPayloads++;
            Clear();
            return;
        }
        packet.AddRef();
        _entries.Add(new Entry(packet, report.PayloadPosition, report.HasProgramTables));
        _bytes += packet.PayloadLength;
        if (report.HasRandomAccess)
        {
            StartGroup(report.RandomAccessPosition);
        }
        if (_bytes > maxBytes)
        {
            if (_complete)
            {
                Overflows++;
                _complete = false;
            }
            KeepFromLatestTables(_entries.Count - 1);
        }
        else if (!_complete)
        {
            KeepFromLatestTables(_entries.Count - 1);
        }
    }

    /// <summary>The ring skipped a lost packet (or the source restarted): what is cached cannot be continued.</summary>
    public void MarkGap()
    {
        _scanner.MarkGap();
        Clear();
    }

    /// <summary>Releases every cached reference.</summary>
    public void Clear()
    {
        _complete = false;
        DropBefore(_entries.Count);
    }

    private void StartGroup(long randomAccessPosition)
    {
        // The payload holding the access point: an IDR found by its slice may have begun a payload or two earlier.
        var at = _entries.Count - 1;
        while (at >= 0 && _entries[at].Position > randomAccessPosition)
        {
            at--;
        }
        var tables = LatestTables(at);
        if (tables < 0)
        {
            _complete = false;
            return;
        }
        DropBefore(tables);
        _complete = true;
        Groups++;
    }

    /// <summary>Outside a group only the payloads from the latest tables on can still begin one; the rest goes.</summary>
    private void KeepFromLatestTables(int upTo)
    {
        var tables = LatestTables(upTo);
        DropBefore(tables < 0 ? _entries.Count : tables);
        if (_bytes > maxBytes)
        {
            DropBefore(_entries.Count);
        }
    }

    private int LatestTables(int upTo)
    {
        for (var i = upTo; i >= 0; i--)
        {
            if (_entries[i].HasTables)
            {
                return i;
            }
        }
        return -1;
    }

    private void DropBefore(int index)
    {
        if (index <= 0)
        {
            return;
        }
        foreach (var entry in CollectionsMarshal.AsSpan(_entries)[..index])
        {
            _bytes -= entry.Packet.PayloadLength;
            entry.Packet.Release();
        }
        _entries.RemoveRange(0, index);
    }

    private readonly record struct Entry(PacketBuffer Packet, long Position, bool HasTables);
}
