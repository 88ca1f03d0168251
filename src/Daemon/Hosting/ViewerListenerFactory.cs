using System.Net;
using Castd.Daemon.Streams;
using Castd.Daemon.Viewers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Castd.Daemon.Hosting;

/// <summary>
/// Binds the stream port's endpoints (and only those: Kestrel asks <see cref="CanBind"/>) to a
/// <see cref="ViewerListener"/>; HTTP and relay endpoints stay on Kestrel's socket transport.
/// </summary>
internal sealed class ViewerListenerFactory(StreamEndPoints streamEndPoints, ViewerConnectRate rate, StreamLifecycle lifecycle, ILoggerFactory loggers)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => streamEndPoints.Contains(endpoint);

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        // Kestrel's own binding: IP endpoints (dual mode for IPv6Any) and systemd's passed file handles alike.
        var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        socket.Listen(CastdHost.ListenBacklog);
        var logger = loggers.CreateLogger<ViewerListener>();
        var connections = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), logger);
        return ValueTask.FromResult<IConnectionListener>(new ViewerListener(socket, connections, rate, lifecycle, logger));
    }
}
