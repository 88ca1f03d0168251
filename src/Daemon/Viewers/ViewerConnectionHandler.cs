using Castd.Daemon.Streams;
using Microsoft.AspNetCore.Connections;

namespace Castd.Daemon.Viewers;

/// <summary>Kestrel's entry point for the stream port: every connection is a viewer's (docs/viewers.md).</summary>
internal sealed class ViewerConnectionHandler(StreamLifecycle lifecycle, ViewerProtocol protocol, IHostApplicationLifetime lifetime) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) =>
        lifecycle.RunAsync(new TransportStreamConnection(connection), connection.Transport.Input, protocol, lifetime.ApplicationStopping);
}
