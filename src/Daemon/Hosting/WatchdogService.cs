using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;

namespace Castd.Daemon.Hosting;

/// <summary>
/// Pings systemd's watchdog (WATCHDOG=1) at half the unit's WatchdogSec, from a thread-pool timer: a castd whose
/// thread pool is deadlocked or starved stops pinging and systemd restarts it. Hosting.Systemd itself sends only
/// READY=1 and STOPPING=1. Registered only under systemd, where <see cref="ISystemdNotifier"/> exists.
/// </summary>
internal sealed class WatchdogService(ISystemdNotifier notifier, TimeProvider time) : BackgroundService
{
    private static readonly ServiceState Ping = new("WATCHDOG=1");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // sd_watchdog_enabled(3): WATCHDOG_USEC is the timeout; WATCHDOG_PID, when set, names the process it is for.
        if (!long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec)
            || usec == 0
            || Environment.GetEnvironmentVariable("WATCHDOG_PID") is { } pid && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromMicroseconds(usec / 2.0), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                notifier.Notify(Ping);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
