namespace Castd.Daemon.Usage;

/// <summary>How watch time reaches the store (docs/http.md).</summary>
internal sealed class UsageOptions
{
    /// <summary>Interval of the batched writes: the most a crash can lose.</summary>
    public required TimeSpan FlushInterval { get; init; }
    /// <summary>Records held while the store is unreachable; past it new watch time is dropped and counted.</summary>
    public required int BufferRecords { get; init; }
}
