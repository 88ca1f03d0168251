using Castd.Storage.Sessions;

namespace Castd.Daemon.Sessions;

/// <summary>Forgets expired HTTP sessions once per TTL. Only memory depends on it: expiry itself is decided on access.</summary>
internal sealed class SessionSweepService(SessionLimitOptions options, ISessionStore sessions, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Ttl, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                sessions.Sweep();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
