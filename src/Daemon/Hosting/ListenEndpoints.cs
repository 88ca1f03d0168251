using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Castd.Daemon.Hosting;

/// <summary>Turns a *_HOST/*_PORT pair into a Kestrel listener: an IP, "localhost" (both loopbacks), or a host name.</summary>
internal static class ListenEndpoints
{
    public static void Listen(this KestrelServerOptions kestrel, string host, int port, Action<ListenOptions> configure)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(port, configure);
            return;
        }
        var address = IPAddress.TryParse(host, out var parsed)
            ? parsed
            : Dns.GetHostAddresses(host).FirstOrDefault() ?? throw new FormatException($"{host} does not resolve to an address.");
        kestrel.Listen(address, port, configure);
    }
}
