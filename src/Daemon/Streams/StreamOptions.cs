namespace Castd.Daemon.Streams;

/// <summary>Limits every stream connection shares: TCP viewers, HTTP players and relay edges (docs/viewers.md).</summary>
internal sealed class StreamOptions
{
    /// <summary>Outbound bytes a connection may fall behind before it is cut as slow.</summary>
    public required int BufferBytes { get; init; }
    /// <summary>Time a connection has to send its request.</summary>
    public required TimeSpan HandshakeTimeout { get; init; }
    /// <summary>A peer that acknowledges nothing this long is cut; zero leaves the kernel's defaults.</summary>
    public required TimeSpan DeadPeerTimeout { get; init; }
}
