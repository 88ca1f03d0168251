using System.Net;
using System.Net.Sockets;

namespace Castd.Daemon.Auth;

/// <summary>How castd tells clients apart by address: IPv4-mapped IPv6 addresses as IPv4, and an IPv6 host by its /64
/// (the smallest network a host is handed, so one host cannot take a rate per address of its own).</summary>
internal static class ClientAddresses
{
    public static bool IsIn(IPNetwork[] networks, IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }
        address = Normalize(address);
        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }

    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The address itself for IPv4; its /64 network for IPv6: the unit a rate per address is kept for.</summary>
    public static IPAddress BucketOf(IPAddress address)
    {
        address = Normalize(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
