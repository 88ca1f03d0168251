namespace Castd.Daemon.Streams;

/// <summary>The ways a stream leaves castd; log lines and counters say which.</summary>
internal enum StreamKind
{
    /// <summary>A viewer on the stream port (docs/viewers.md).</summary>
    Viewer,

    /// <summary>A player on the HTTP port, <c>GET /live/…</c> (docs/playback.md); counted with the viewers.</summary>
    Player,

    /// <summary>A downstream castd on the relay port (docs/relay.md).</summary>
    Relay,
}
