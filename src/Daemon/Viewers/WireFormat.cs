namespace Castd.Daemon.Viewers;

/// <summary>How an outbox puts a packet on the wire; every format sends from the packet's shared memory.</summary>
internal enum WireFormat
{
    /// <summary>The payload bytes alone (SPEC §3).</summary>
    Raw,

    /// <summary><c>seq | timestamp | length | payload</c> (SPEC §3, <c>framed</c>).</summary>
    Framed,

    /// <summary>The payload bytes as HTTP/1.1 chunks, one chunk a send (SPEC §10, <c>GET /live/…</c>).</summary>
    Chunked,

    /// <summary>A §1 source frame with the <c>CAST 0x02</c> prefix, for a downstream castd (SPEC §9).</summary>
    Relay,
}
