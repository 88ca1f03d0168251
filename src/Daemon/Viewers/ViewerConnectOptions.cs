using System.Net;

namespace Castd.Daemon.Viewers;

/// <summary>The stream port's connect rates, enforced at accept (docs/viewers.md).</summary>
internal sealed class ViewerConnectOptions
{
    /// <summary>New stream connections a second from one address (an IPv6 /64); 0 = no limit.</summary>
    public required int PerAddress { get; init; }
    /// <summary>New stream connections a second from all addresses together; 0 = no limit.</summary>
    public required int PerSecond { get; init; }
    /// <summary>Networks the connect rates do not apply to.</summary>
    public required IPNetwork[] Exempt { get; init; }
}
