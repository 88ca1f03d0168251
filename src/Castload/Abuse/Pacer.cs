using System.Diagnostics;

namespace Castd.Castload.Abuse;

/// <summary>Starts work items at a fixed rate for a while, with a bound on how many run at once.</summary>
internal static class Pacer
{
    /// <summary>
    /// Runs <paramref name="one"/>(0, 1, ...) at <paramref name="perSecond"/> for <paramref name="duration"/>; when
    /// <paramref name="maxInFlight"/> are running the pace waits, so the rate reached is honest, never queued up.
    /// </summary>
    /// <returns>Items started and the seconds it took, for the rate actually reached.</returns>
    public static async Task<(long Started, double Seconds)> RunAsync(int perSecond, TimeSpan duration, int maxInFlight, Func<long, Task> one, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(maxInFlight);
        var clock = Stopwatch.StartNew();
        var started = 0L;
        try
        {
            while (clock.Elapsed < duration)
            {
                var due = long.Min((long)(clock.Elapsed.TotalSeconds * perSecond), (long)(duration.TotalSeconds * perSecond));
                for (; started < due; started++)
                {
                    await gate.WaitAsync(cancellationToken);
                    _ = RunOneAsync(started);
                }
                // Linux timers tick about every millisecond: each pass starts the millisecond's share.
                await Task.Delay(1, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        var seconds = clock.Elapsed.TotalSeconds;
        for (var i = 0; i < maxInFlight; i++)
        {
            await gate.WaitAsync(CancellationToken.None);
        }
        return (started, seconds);

        async Task RunOneAsync(long i)
        {
            try
            {
                await one(i);
            }
            finally
            {
                gate.Release();
            }
        }
    }
}
