using System.Net;

namespace Castd.Daemon.Hosting;

/// <summary>The endpoints Kestrel is told to listen on for viewers, collected as they are configured.</summary>
internal sealed class StreamEndPoints
{
    private readonly List<EndPoint> _endpoints = [];

    public void Add(EndPoint endpoint) => _endpoints.Add(endpoint);

    /// <summary>
    /// Kestrel binds the very endpoint it was given, except for "localhost", which it binds as 127.0.0.1 and ::1 of
    /// the same port. Port 0 only matches itself: the HTTP port may be 0 on the same address too.
    /// </summary>
    public bool Contains(EndPoint endpoint) => _endpoints.Exists(known => ReferenceEquals(known, endpoint)
        || known is IPEndPoint { Port: > 0 } ip && endpoint is IPEndPoint candidate && candidate.Port == ip.Port
            && (candidate.Address.Equals(ip.Address) || IPAddress.IsLoopback(ip.Address) && IPAddress.IsLoopback(candidate.Address)));
}
