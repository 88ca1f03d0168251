namespace Castd.Castload.Bench;

/// <summary>What one <c>castload bench fanout</c> run measured (over the measured window only).</summary>
internal sealed record FanoutResult(
    FanoutOptions Options,
    int Connected,
    string? ConnectFailure,
    double Seconds,
    long Published,
    long DeliveredMessages,
    long DeliveredBytes,
    LatencySummary Latency,
    int Disconnected,
    string? DisconnectReason,
    int Behind,
    string? PublisherFailure)
{
    public double DeliveredMessagesPerSecond => DeliveredMessages / Seconds;

    public double DeliveredBytesPerSecond => DeliveredBytes / Seconds;

    public double PublishedPerSecond => Published / Seconds;
}
