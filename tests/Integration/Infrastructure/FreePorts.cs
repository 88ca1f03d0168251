using System.Net;
using System.Net.Sockets;

namespace Castd.Tests.Integration.Infrastructure;

internal static class FreePorts
{
    /// <summary>A loopback port nobody listens on right now (the OS picks it; tiny race accepted for tests).</summary>
    public static int Next()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
