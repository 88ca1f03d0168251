namespace Castd.Daemon.Streams;

/// <summary>How an outbox puts a packet on the wire; every format sends from the packet's shared memory.</summary>
internal enum WireFormat
{
    /// <summary>The payload bytes alone (docs/viewers.md).</summary>
    Raw,

    /// <summary><c>seq | timestamp | length | payload</c> (docs/viewers.md, <c>framed</c>).</summary>
    Framed,

    /// <summary>The payload bytes as HTTP/1.1 chunks, one chunk a send (docs/playback.md, <c>GET /live/…</c>).</summary>
    Chunked,

    /// <summary>A source frame (docs/source.md) with the <c>CAST 0x02</c> prefix, for a downstream castd (docs/relay.md).</summary>
    Relay,
}
