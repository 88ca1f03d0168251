namespace Castd.Daemon.Ingest;

/// <summary>How castd reaches and reads its channel source (docs/source.md).</summary>
internal sealed class IngestOptions
{
    public required string SourceHost { get; init; }
    public required int SourcePort { get; init; }
    /// <summary>Most packets handled per read batch (PACKET_BATCH_SIZE); viewers are flushed once per batch.</summary>
    public required int BatchSize { get; init; }
    public required int MaxPayloadBytes { get; init; }
    public required TimeSpan ReconnectMax { get; init; }
    /// <summary>A frame begun and not finished this long drops the connection; zero waits forever.</summary>
    public required TimeSpan StallTimeout { get; init; }
    /// <summary>/readyz answers 200 while the source is down.</summary>
    public required bool ReadyWithoutSource { get; init; }
    /// <summary>Sent as the first line, <c>RELAY &lt;secret&gt;</c>, when the source is an upstream castd's relay port that asks
    /// for it (docs/relay.md); empty: nothing is sent.</summary>
    public required string RelaySecret { get; init; }
}
