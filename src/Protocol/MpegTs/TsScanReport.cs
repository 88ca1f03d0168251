namespace Castd.Protocol.MpegTs;

[Flags]
public enum TsScanFlags
{
    None = 0,

    /// <summary>A random access point on the video PID was found (see <see cref="TsScanReport.RandomAccessPosition"/>).</summary>
    RandomAccess = 1,

    /// <summary>The payload carries at least one TS packet of the PAT or of the current program's PMT.</summary>
    ProgramTables = 2,

    /// <summary>A PAT or PMT changed the PMT PID, the video PID or its stream type.</summary>
    ProgramChanged = 4,

    /// <summary>No sync bytes at 188-byte spacing: these bytes are not MPEG-TS; the caller counts it and moves on.</summary>
    NotTransportStream = 8,
}

/// <summary>What one source payload held (docs/playback.md).</summary>
/// <param name="PayloadPosition">Stream position of the payload's first byte: the bytes fed to the scanner before it.</param>
/// <param name="RandomAccessPosition">
/// Stream position of the TS packet that starts the latest random access point found in this payload, −1 if none.
/// Found by a random_access_indicator it lies inside this payload; found by an IDR slice that begins a few TS packets
/// after its PES header it may lie in an earlier payload (then it is less than <paramref name="PayloadPosition"/>).
/// </param>
/// <param name="Packets">Whole TS packets completed by this payload (one may have begun in the previous payload).</param>
/// <param name="SkippedBytes">Bytes passed over while looking for sync.</param>
/// <param name="InvalidPackets">Packets in sync whose header was impossible (e.g. an adaptation field past the end).</param>
public readonly record struct TsScanReport(
    TsScanFlags Flags, long PayloadPosition, long RandomAccessPosition, int Packets, int SkippedBytes, int InvalidPackets)
{
    public bool HasRandomAccess => (Flags & TsScanFlags.RandomAccess) != 0;
    public bool HasProgramTables => (Flags & TsScanFlags.ProgramTables) != 0;
    public bool IsTransportStream => (Flags & TsScanFlags.NotTransportStream) == 0;
}
