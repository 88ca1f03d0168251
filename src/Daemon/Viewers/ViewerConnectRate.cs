using System.Net;
using System.Threading.RateLimiting;

namespace Castd.Daemon.Viewers;

/// <summary>
/// How many new stream connections one address may open a second: a token bucket per address, so a connect storm
/// from a few addresses is turned away at accept, before it costs a Kestrel connection, a request line and an
/// admission (about 180 µs of castd's CPU per connect measured on the 2-core VM). Exempt networks (NAT gateways,
/// load testers) are never limited.
/// </summary>
internal sealed class ViewerConnectRate : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress>? _limiter;
    private readonly IPNetwork[] _exempt;

    public ViewerConnectRate(int perAddressPerSecond, IPNetwork[] exempt)
    {
        PerAddressPerSecond = perAddressPerSecond;
        _exempt = exempt;
        if (perAddressPerSecond <= 0)
        {
            return;
        }
        // Tenths of a second keep a bucket from refilling all at once; below 10 a second, whole seconds.
        var (period, tokens) = perAddressPerSecond >= 10
            ? (TimeSpan.FromMilliseconds(100), perAddressPerSecond / 10)
            : (TimeSpan.FromSeconds(1), perAddressPerSecond);
        _limiter = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = perAddressPerSecond,
                TokensPerPeriod = tokens,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                // The partitioned limiter's own heartbeat refills every bucket (and drops idle ones): no timer each.
                AutoReplenishment = false,
            }));
    }

    /// <summary>0 when there is no limit.</summary>
    public int PerAddressPerSecond { get; }

    /// <summary>True if a connection from <paramref name="address"/> may go on now (and takes its token).</summary>
    public bool TryAdmit(IPAddress address)
    {
        if (_limiter is null)
        {
            return true;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        foreach (var network in _exempt)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        using var lease = _limiter.AttemptAcquire(address);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter?.Dispose();
}
