using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Castd.Daemon.Viewers;

/// <summary>Kestrel's entry point for the stream port: hands the connection to a <see cref="ViewerSession"/>.</summary>
internal sealed class ViewerConnectionHandler(ViewerServices services, IHostApplicationLifetime lifetime) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) =>
        new ViewerSession(
            connection.Transport,
            // The stream port is a Kestrel sockets-transport listener, which always exposes its socket.
            connection.Features.GetRequiredFeature<IConnectionSocketFeature>().Socket,
            connection.RemoteEndPoint?.ToString(),
            services,
            lifetime.ApplicationStopping).RunAsync();
}
