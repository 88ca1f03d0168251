using Castd.Storage;

namespace Castd.Daemon.Usage;

/// <summary>Answers "how long did this user watch each channel in the last 24 hours", live streams included up to now (docs/http.md).</summary>
internal sealed class UsageReport(IStateStore store, UsageLedger ledger, ViewerDirectory viewers, TimeProvider time)
{
    /// <summary>Whole seconds per channel; channels under one second are left out.</summary>
    public async ValueTask<SortedDictionary<string, long>> SecondsByChannelAsync(string userId)
    {
        viewers.AccrueAll();
        var since = UsageBuckets.WindowStart(time.GetUtcNow());
        Dictionary<string, long> totals;
        await ledger.FlushGate.WaitAsync();
        try
        {
            totals = new Dictionary<string, long>(await store.GetUsageAsync(userId, since));
            ledger.AddPendingTo(userId, since, totals);
        }
        finally
        {
            ledger.FlushGate.Release();
        }
        var seconds = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (channel, ms) in totals)
        {
            if (ms >= 1000)
            {
                seconds[channel] = ms / 1000;
            }
        }
        return seconds;
    }
}
