namespace Castd.Storage.Sessions;

/// <summary>
/// Concurrent sessions per account and the limit on them (docs/sessions.md). Embedded castd keeps them in memory (they
/// end with the process anyway); a fleet keeps them in Redis as leases (docs/fleet.md) behind this same interface.
/// </summary>
/// <remarks>
/// Exact under any interleaving: admission, heartbeat, expiry and close of one account are serialised, and a
/// session counts against the limit from the moment it is admitted until it is closed or its lease runs out. Every
/// call that may need a round trip is asynchronous; the embedded store completes them synchronously.
/// </remarks>
public interface ISessionStore
{
    /// <summary>
    /// Opens an HTTP session for <paramref name="streamId"/>, or returns the live one it already has (idempotent).
    /// Over the limit, the new session is recorded as <see cref="SessionStatus.Dropped"/> so its heartbeat can say so.
    /// </summary>
    ValueTask<SessionInfo> OpenHttpAsync(string account, string streamId);

    /// <summary>Extends a live HTTP session's lease; null when it is unknown or expired.</summary>
    ValueTask<SessionInfo?> HeartbeatAsync(string account, string streamId);

    /// <summary>Ends an HTTP session at once, freeing its slot; false when there was none.</summary>
    ValueTask<bool> CloseHttpAsync(string account, string streamId);

    /// <summary>Admits a stream viewer, or returns a dropped session when the account is at its limit.</summary>
    ValueTask<SessionInfo> OpenStreamAsync(string account, string channel);

    /// <summary>Frees the viewer's slot; never fails (a fleet lease that cannot be ended now runs out by itself).</summary>
    void CloseStream(SessionInfo session);

    /// <summary>The account's live sessions, active and dropped, oldest first.</summary>
    ValueTask<IReadOnlyList<SessionInfo>> ListAsync(string account);

    /// <summary>Active sessions of every account (for a gauge: walks all accounts).</summary>
    int CountActive();

    /// <summary>Sessions refused by the limit since start, both kinds.</summary>
    long DroppedTotal { get; }

    /// <summary>Forgets expired sessions of every account; returns how many. Only frees memory: expiry itself is exact without it.</summary>
    int Sweep();
}
