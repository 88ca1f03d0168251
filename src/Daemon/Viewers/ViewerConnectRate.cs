using System.Net;
using System.Threading.RateLimiting;
using Castd.Daemon.Auth;
using Castd.Protocol.Viewers;

namespace Castd.Daemon.Viewers;

/// <summary>
/// How many new stream connections castd takes on a second: a token bucket per address (per /64 for IPv6, the
/// smallest network a host is handed, so one host cannot take a bucket per address), so a storm from a few addresses
/// is turned away alone, and one for all addresses together, so a storm from many addresses costs no more
/// than that many admissions (about 180 µs of castd's CPU each, measured on the 2-core VM). Both are checked at accept,
/// before a connection costs a Kestrel connection, a request line or an admission. Exempt networks (NAT gateways, load
/// testers) are never limited and take nothing from the total.
/// </summary>
internal sealed class ViewerConnectRate : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress>? _perAddress;
    private readonly TokenBucketRateLimiter? _total;
    private readonly IPNetwork[] _exempt;

    public ViewerConnectRate(ViewerConnectOptions options)
    {
        var (perAddressPerSecond, totalPerSecond) = (options.PerAddress, options.PerSecond);
        PerAddressPerSecond = perAddressPerSecond;
        TotalPerSecond = totalPerSecond;
        _exempt = options.Exempt;
        if (perAddressPerSecond > 0)
        {
            // The partitioned limiter's own heartbeat refills every bucket (and drops idle ones): no timer each.
            _perAddress = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address =>
                RateLimitPartition.GetTokenBucketLimiter(address, _ => Bucket(perAddressPerSecond, autoReplenishment: false)));
        }
        if (totalPerSecond > 0)
        {
            _total = new TokenBucketRateLimiter(Bucket(totalPerSecond, autoReplenishment: true));
        }
    }

    /// <summary>0 when there is no limit.</summary>
    public int PerAddressPerSecond { get; }

    /// <summary>0 when there is no limit.</summary>
    public int TotalPerSecond { get; }

    /// <summary>
    /// 0 if a connection from <paramref name="address"/> may go on now (and takes its tokens); otherwise the refusal's
    /// code: <see cref="ViewerReply.TooManyStreams"/> past its address's rate, <see cref="ViewerReply.Unavailable"/>
    /// past the total.
    /// </summary>
    public int TryAdmit(IPAddress address)
    {
        if (_perAddress is null && _total is null)
        {
            return 0;
        }
        if (ClientAddresses.IsIn(_exempt, address))
        {
            return 0;
        }
        // The address first: one noisy address is refused without spending the total every other address shares.
        if (_perAddress is not null)
        {
            using var lease = _perAddress.AttemptAcquire(ClientAddresses.BucketOf(address));
            if (!lease.IsAcquired)
            {
                return ViewerReply.TooManyStreams;
            }
        }
        if (_total is not null)
        {
            using var lease = _total.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                return ViewerReply.Unavailable;
            }
        }
        return 0;
    }

    /// <summary>A second's worth of tokens, refilled a tenth at a time (below 10 a second, whole seconds) so a bucket never refills all at once.</summary>
    private static TokenBucketRateLimiterOptions Bucket(int perSecond, bool autoReplenishment)
    {
        var (period, tokens) = perSecond >= 10 ? (TimeSpan.FromMilliseconds(100), perSecond / 10) : (TimeSpan.FromSeconds(1), perSecond);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = autoReplenishment,
        };
    }

    public void Dispose()
    {
        _perAddress?.Dispose();
        _total?.Dispose();
    }
}
