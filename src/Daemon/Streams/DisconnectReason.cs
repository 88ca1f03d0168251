namespace Castd.Daemon.Streams;

/// <summary>Why a viewer's stream ended; counted per reason.</summary>
internal enum DisconnectReason
{
    None,
    /// <summary>The viewer closed or reset its connection.</summary>
    Closed,
    /// <summary>It fell further behind than its outbound budget allows (docs/viewers.md).</summary>
    Slow,
    /// <summary>A send failed for another reason, or the connection broke (e.g. a half-open peer: CASTD_VIEWER_DEAD_PEER_MS).</summary>
    Error,
    /// <summary>castd is stopping.</summary>
    Shutdown,
}
