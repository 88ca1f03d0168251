namespace Castd.Daemon.Sessions;

/// <summary>The concurrent-stream limit and the lease of an HTTP session (docs/sessions.md).</summary>
internal sealed class SessionLimitOptions
{
    public required int MaxStreamsPerUser { get; init; }
    /// <summary>An HTTP session without a heartbeat this long expires.</summary>
    public required TimeSpan Ttl { get; init; }
}
