using System.Net;
using System.Net.Sockets;

namespace Castd.Tests.Integration.Infrastructure;

internal static class FreePorts
{
    /// <summary>
    /// Below the kernel's ephemeral range (32768–60999 here), so no outgoing connection of a parallel test can take
    /// a port between our probe and castd's bind, as an OS-picked port could; a random start keeps two test
    /// processes on one machine apart.
    /// </summary>
    private const int First = 20000, Last = 32000;

    private static int _next = First + Random.Shared.Next(Last - First);

    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int Next()
    {
        while (true)
        {
            var port = First + (Interlocked.Increment(ref _next) - First) % (Last - First);
            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }
}
