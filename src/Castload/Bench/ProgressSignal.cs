namespace Castd.Castload.Bench;

/// <summary>
/// Wakes the publisher when the subscriber it waits for has caught up. (Timers are too coarse for this: on these
/// VMs a 1 ms Task.Delay sleeps 4 ms, which alone would cap one subscriber at a window per 4 ms.)
/// </summary>
internal sealed class ProgressSignal : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Wake()
    {
        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake: a wake-up is a hint to look again, never a count.
        }
    }

    public void Wait(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.Wait(timeout, cancellationToken);

    public void Dispose() => _semaphore.Dispose();
}
