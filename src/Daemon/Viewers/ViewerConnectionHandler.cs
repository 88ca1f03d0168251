using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Castd.Daemon.Viewers;

/// <summary>Kestrel's entry point for the stream port: hands the connection to a <see cref="ViewerSession"/>.</summary>
internal sealed class ViewerConnectionHandler(ViewerServices services, IHostApplicationLifetime lifetime) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) =>
        new ViewerSession(
            connection.Transport,
            connection.Features.Get<IConnectionSocketFeature>()?.Socket,
            connection.RemoteEndPoint?.ToString(),
            services,
            lifetime.ApplicationStopping).RunAsync();
}
