using System.IO.Pipelines;
using Castd.Daemon.Diagnostics;

namespace Castd.Daemon.Streams;

/// <summary>
/// The one life of every stream connection, whichever way the stream leaves castd (TCP viewer, HTTP player, relay
/// edge): read its head within the handshake timeout, refuse it or admit it, send its response head, watch for a dead
/// peer, join the fan-out through a bounded outbox, wait until the peer leaves, falls behind or castd stops, then leave
/// and give back what admission took. Refusals and disconnects are counted and logged here, once, for every kind.
/// </summary>
internal sealed class StreamLifecycle(
    StreamOptions options,
    StreamCounters counters,
    DeliveryCounters delivery,
    CastdMetrics metrics,
    TimeProvider time,
    ILogger<StreamLifecycle> logger)
{
    public StreamCounters Counters => counters;

    /// <summary>A connection that opens with a head: reads it from <paramref name="connectionInput"/>, then serves it.</summary>
    public async Task RunAsync<TRequest>(StreamConnection connection, PipeReader connectionInput, HeadedStreamProtocol<TRequest> protocol, CancellationToken stopping)
    {
        var (request, refusal) = await RequestHead.ReadAsync<TRequest>(connectionInput, protocol.TryRead, protocol.HeadName, options.HandshakeTimeout, stopping);
        if (refusal is { } refused)
        {
            await RefuseAsync(connection, protocol, refused);
            return;
        }
        await ServeAsync(connection, protocol, request, stopping);
    }

    /// <summary>A request whose head is already read (by Kestrel, for a player on a shared connection), or a protocol
    /// without one (the relay feed).</summary>
    public async Task ServeAsync<TRequest>(StreamConnection connection, StreamProtocol<TRequest> protocol, TRequest request, CancellationToken stopping)
    {
        var admission = await protocol.AdmitAsync(request);
        if (admission.Admitted is not { } admitted)
        {
            await RefuseAsync(connection, protocol, admission.Refusal);
            return;
        }
        using (admitted)
        {
            if (!await connection.StartAsync(protocol.Head(request), stopping))
            {
                return;
            }
            // Only admitted connections: one in its handshake has the handshake timeout, and a storm of connects costs
            // no extra system calls.
            connection.EnableDeadPeerDetection(options.DeadPeerTimeout);
            counters.CountStarted(protocol.Kind);
            await WatchAsync(connection, protocol.Kind, admitted, stopping);
        }
    }

    /// <summary>Counts, logs and sends a refusal: the one path for every kind (the stream port's accept loop, which
    /// refuses before a connection exists, counts and logs through <see cref="CountRefusal"/>).</summary>
    public ValueTask RefuseAsync<TRequest>(StreamConnection connection, StreamProtocol<TRequest> protocol, StreamRefusal refusal)
    {
        CountRefusal(protocol.Kind, connection.Remote, refusal);
        return connection.RefuseAsync(protocol.Refusal(refusal), refusal);
    }

    /// <param name="remote">Formatted only when the line is written (debug logging).</param>
    public void CountRefusal(StreamKind kind, object? remote, StreamRefusal refusal)
    {
        counters.CountRefusal(refusal.Code);
        Log.StreamRefused(logger, kind, remote, refusal.Code, refusal.Text);
    }

    private async Task WatchAsync(StreamConnection connection, StreamKind kind, AdmittedStream admitted, CancellationToken stopping)
    {
        var outbox = new StreamOutbox(admitted.Format, options.BufferBytes, delivery, metrics, time, _ => connection.Interrupt());
        outbox.Attach(connection.CreateSender(outbox));
        admitted.Join(outbox);
        Log.StreamJoined(logger, kind, admitted, connection.Remote);
        var reason = DisconnectReason.Closed;
        try
        {
            reason = await connection.WaitForEndAsync(stopping);
        }
        finally
        {
            admitted.Dispose();
            outbox.Close(reason);
            await connection.StoppedAsync();
            counters.CountDisconnect(kind, outbox.CloseReason);
            Log.StreamLeft(logger, kind, admitted, connection.Remote, outbox.CloseReason, outbox.PacketsSent, outbox.BytesSent);
        }
    }
}
