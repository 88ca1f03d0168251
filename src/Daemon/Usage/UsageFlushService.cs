using Castd.Daemon.Diagnostics;
using Castd.Storage;

namespace Castd.Daemon.Usage;

/// <summary>
/// Writes watch time to the store in one batch per interval, off the hot path (docs/http.md): a crash loses at most
/// one interval. Prunes buckets that left the 24-hour window, and flushes once more on a graceful stop.
/// </summary>
internal sealed class UsageFlushService(
    UsageOptions options,
    IStateStore store,
    UsageLedger ledger,
    ViewerDirectory viewers,
    TimeProvider time,
    CastdMetrics metrics,
    ILogger<UsageFlushService> logger) : BackgroundService
{
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(10);

    // While the store is down every interval fails alike: log the first failure and then one in this many, so an
    // outage of hours writes a few hundred journal lines, not one a second.
    private const int FailuresPerLogLine = 60;

    private int _failedAttempts;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.FlushInterval, time);
        var nextPrune = time.GetUtcNow();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushOnceAsync();
                if (time.GetUtcNow() >= nextPrune)
                {
                    await PruneAsync();
                    nextPrune = time.GetUtcNow() + PruneInterval;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Log.UsageFinalFlush(logger, await FlushOnceAsync());
    }

    /// <summary>Returns how many records went to the store.</summary>
    private async Task<int> FlushOnceAsync()
    {
        viewers.AccrueAll();
        await ledger.FlushGate.WaitAsync();
        try
        {
            return await WriteAsync(ledger.BeginFlush());
        }
        finally
        {
            ledger.FlushGate.Release();
        }
    }

    private async Task<int> WriteAsync((List<UsageRecord> Records, long Id) next)
    {
        var batch = next.Records;
        if (batch.Count == 0)
        {
            ledger.EndFlush(written: true);
            return 0;
        }
        try
        {
            var started = time.GetTimestamp();
            await store.AddUsageAsync(batch, next.Id);
            metrics.RecordUsageFlush(time.GetElapsedTime(started), batch.Count);
            ledger.EndFlush(written: true);
            if (_failedAttempts > 0)
            {
                Log.UsageFlushRecovered(logger, _failedAttempts, batch.Count);
                _failedAttempts = 0;
            }
            return batch.Count;
        }
        catch (StorageException ex)
        {
            ledger.EndFlush(written: false);
            metrics.CountUsageFlushFailure();
            if (_failedAttempts++ % FailuresPerLogLine == 0)
            {
                Log.UsageFlushFailed(logger, batch.Count, _failedAttempts, ex);
            }
            return 0;
        }
    }

    private async Task PruneAsync()
    {
        try
        {
            var pruned = await store.PruneUsageAsync(UsageBuckets.WindowStart(time.GetUtcNow()));
            if (pruned > 0)
            {
                Log.UsagePruned(logger, pruned);
            }
        }
        catch (StorageException ex)
        {
            Log.UsagePruneFailed(logger, ex);
        }
    }
}
