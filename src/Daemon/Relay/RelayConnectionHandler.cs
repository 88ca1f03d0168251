using System.Net;
using Castd.Daemon.Auth;
using Castd.Daemon.Streams;
using Microsoft.AspNetCore.Connections;

namespace Castd.Daemon.Relay;

/// <summary>Kestrel's entry point for the relay port: every connection is a downstream castd (docs/relay.md), taken from
/// CASTD_RELAY_ALLOW's networks only when that is set, and after its RELAY line when CASTD_RELAY_SECRET is.</summary>
internal sealed class RelayConnectionHandler(StreamLifecycle lifecycle, RelayProtocol protocol, AuthOptions options, AuthCounters counters, IHostApplicationLifetime lifetime) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var stream = new TransportStreamConnection(connection);
        if (options.RelayAllow.Length > 0 && !ClientAddresses.IsIn(options.RelayAllow, (connection.RemoteEndPoint as IPEndPoint)?.Address))
        {
            counters.Count(AuthFailure.AddressNotAllowed);
            var (code, text) = AuthFailures.Describe(AuthFailure.AddressNotAllowed);
            await lifecycle.RefuseAsync(stream, protocol, new StreamRefusal(code, text));
            return;
        }
        if (protocol.AsksForSecret)
        {
            await lifecycle.RunAsync(stream, connection.Transport.Input, protocol, lifetime.ApplicationStopping);
        }
        else
        {
            await lifecycle.ServeAsync(stream, protocol, default(RelayRequest), lifetime.ApplicationStopping);
        }
    }
}
