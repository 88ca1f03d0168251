using Castd.Daemon.Streams;
using Microsoft.AspNetCore.Connections;

namespace Castd.Daemon.Relay;

/// <summary>Kestrel's entry point for the relay port: every connection is a downstream castd (docs/relay.md).</summary>
internal sealed class RelayConnectionHandler(StreamLifecycle lifecycle, RelayProtocol protocol, IHostApplicationLifetime lifetime) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) =>
        lifecycle.ServeAsync(new TransportStreamConnection(connection), protocol, default(RelayRequest), lifetime.ApplicationStopping);
}
