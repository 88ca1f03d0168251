namespace Castd.Daemon.Viewers;

/// <summary>How a watching viewer's connection is written to and how its end is noticed: a raw socket or an HTTP response.</summary>
internal interface IViewerTransport
{
    IPacketSender CreateSender(ISendCompletion outbox);

    /// <summary>Returns when the peer leaves, castd stops, or <see cref="Interrupt"/> is called (then Shutdown).</summary>
    Task<DisconnectReason> WaitForEndAsync(CancellationToken stopping);

    /// <summary>The outbox closed itself (slow viewer, send error): end the wait.</summary>
    void Interrupt();

    /// <summary>After the outbox is closed: returns once nothing will be written to the connection any more.</summary>
    Task StoppedAsync();
}
