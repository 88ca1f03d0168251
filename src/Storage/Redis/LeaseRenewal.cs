namespace Castd.Storage.Redis;

/// <summary>
/// Renews this process' leases three times per TTL, so one lost or slow round trip never lets a lease of a live
/// viewer or chat connection run out. When the process dies the renewals stop and the leases expire by themselves
/// within the TTL: that is how a killed edge's sessions end (docs/relay.md).
/// </summary>
internal sealed class LeaseRenewal : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LeaseRenewal(TimeSpan ttl, TimeProvider time, Func<Task> renewAll)
    {
        _loop = RunAsync(ttl / 3, time, renewAll, _stop.Token);
    }

    private async Task RunAsync(TimeSpan interval, TimeProvider time, Func<Task> renewAll, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await renewAll();
                }
                catch (Exception e) when (RedisFailure.Is(e))
                {
                    // Redis unreachable: the next round tries again, and leases put back what ran out meanwhile.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        // The loop ends at its next await; a renewal in flight is bounded by the Redis timeout.
        await _loop;
        _stop.Dispose();
    }
}
