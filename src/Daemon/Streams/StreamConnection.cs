using System.Net;

namespace Castd.Daemon.Streams;

/// <summary>
/// The transport under one stream connection, the only seam between <see cref="StreamLifecycle"/> and how bytes reach
/// the peer: a Kestrel connection (<see cref="TransportStreamConnection"/>: the socket itself where the zero-copy send
/// needs it, the connection's pipes otherwise) or a Kestrel-parsed HTTP request (its response).
/// </summary>
internal abstract class StreamConnection
{
    /// <summary>The peer as <c>address:port</c>, the same on every path; formatted only when a log line is written.</summary>
    public abstract EndPoint? Remote { get; }

    /// <summary>Sends a refusal; the lifecycle then ends and the connection closes. Never throws for a peer that left.</summary>
    public abstract ValueTask RefuseAsync(ReadOnlyMemory<byte> wire, StreamRefusal refusal);

    /// <summary>Sends the response head (if any) before the first packet; false when the peer is gone.</summary>
    public abstract ValueTask<bool> StartAsync(ReadOnlyMemory<byte> head, CancellationToken stopping);

    /// <summary>Finds a peer that vanished without FIN or RST (see <see cref="DeadPeerDetection"/>); nothing where there is no socket.</summary>
    public abstract void EnableDeadPeerDetection(TimeSpan timeout);

    public abstract IPacketSender CreateSender(ISendCompletion outbox);

    /// <summary>Returns when the peer leaves, castd stops, or <see cref="Interrupt"/> is called (then Shutdown).</summary>
    public abstract Task<DisconnectReason> WaitForEndAsync(CancellationToken stopping);

    /// <summary>The outbox closed itself (slow peer, send error): end the wait.</summary>
    public abstract void Interrupt();

    /// <summary>After the outbox is closed: returns once nothing will be written to the connection any more.</summary>
    public abstract Task StoppedAsync();
}
