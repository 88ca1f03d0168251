using Castd.Protocol.MpegTs;

namespace Castd.Tests.Protocol.MpegTs;

/// <summary>Feeds bytes to a fresh <see cref="TsScanner"/> in chunks and keeps every report, for comparing runs.</summary>
internal sealed class TsScanTrace
{
    /// <summary>7 × 188: the source payload castd sees in practice (docs/source.md).</summary>
    public const int SourcePayload = 1316;

    public TsScanner Scanner { get; } = new();
    public List<TsScanReport> Reports { get; } = [];

    public static TsScanTrace Of(ReadOnlySpan<byte> bytes, int chunk = SourcePayload)
    {
        var trace = new TsScanTrace();
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            trace.Feed(bytes.Slice(i, int.Min(chunk, bytes.Length - i)));
        }
        return trace;
    }

    public TsScanReport Feed(ReadOnlySpan<byte> payload)
    {
        var report = Scanner.Scan(payload);
        Reports.Add(report);
        return report;
    }

    /// <summary>The random access points found, in stream order.</summary>
    public List<long> RandomAccessPositions => [.. Reports.Where(r => r.HasRandomAccess).Select(r => r.RandomAccessPosition)];

    public TsScanFlags AllFlags => Reports.Aggregate(TsScanFlags.None, (all, r) => all | r.Flags);

    public int Packets => Reports.Sum(r => r.Packets);
}
