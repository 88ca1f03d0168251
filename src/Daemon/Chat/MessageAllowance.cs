using System.Diagnostics;

namespace Castd.Daemon.Chat;

/// <summary>
/// One chat connection's messages a second (CASTD_CHAT_MESSAGES_PER_SECOND): a token bucket of that many tokens that
/// refills continuously from the time of the last take. Kept by hand on purpose: System.Threading.RateLimiting's
/// buckets refill from a timer each, or from a partitioned limiter's shared lock on every message, and a chat message
/// is routed without a lock or an allocation. Used by the connection's receive loop only, so it needs no lock either.
/// </summary>
internal struct MessageAllowance(int perSecond)
{
    private double _tokens = perSecond;
    private long _last = Stopwatch.GetTimestamp();

    /// <summary>Takes one message's token; false when the connection has used its second's worth. Always true for 0.</summary>
    public bool TryTake()
    {
        if (perSecond == 0)
        {
            return true;
        }
        var now = Stopwatch.GetTimestamp();
        _tokens = double.Min(perSecond, _tokens + (double)(now - _last) / Stopwatch.Frequency * perSecond);
        _last = now;
        if (_tokens < 1)
        {
            return false;
        }
        _tokens--;
        return true;
    }
}
