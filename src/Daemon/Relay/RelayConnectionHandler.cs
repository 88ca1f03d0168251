using Castd.Daemon.Diagnostics;
using Castd.Daemon.Viewers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Castd.Daemon.Relay;

/// <summary>
/// Kestrel's entry point for the relay port (docs/relay.md): every connection is a downstream castd that gets all channels,
/// in order, as source frames (docs/source.md) with the <c>CAST 0x02</c> prefix, from the live point on. It is one more subscriber of every
/// channel, with a viewer's outbox and byte budget, so a slow edge is cut and never delays anyone.
/// </summary>
internal sealed class RelayConnectionHandler(ViewerServices services, RelayCounters counters, IHostApplicationLifetime lifetime, ILogger<RelayConnectionHandler> logger) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var outbox = new ViewerOutbox(WireFormat.Relay, services.Options.ViewerBufferBytes, services, _ => input.CancelPendingRead());
        // The relay port is a Kestrel sockets-transport listener, which always exposes its socket.
        outbox.Attach(new SocketPacketSender(connection.Features.GetRequiredFeature<IConnectionSocketFeature>().Socket, outbox));
        var remote = connection.RemoteEndPoint?.ToString();
        services.Channels.AddRelay(outbox);
        Log.RelayJoined(logger, remote);
        var reason = DisconnectReason.Closed;
        try
        {
            reason = await ConnectionEnd.WaitAsync(input, lifetime.ApplicationStopping);
        }
        finally
        {
            services.Channels.RemoveRelay(outbox);
            outbox.Close(reason);
            counters.CountDisconnect(outbox.CloseReason);
            Log.RelayLeft(logger, remote, outbox.CloseReason.ToString(), outbox.PacketsSent, outbox.BytesSent);
        }
    }
}
