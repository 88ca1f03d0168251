using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Castd.Castload.View;

namespace Castd.Castload.Fans;

/// <summary>
/// This node's fans: pre-creates the accounts of its slots, joins one fan per slot on the ramp, keeps every slot
/// filled (a fan that is refused, cut or fails is replaced after a pause), and samples every fan's progress.
/// </summary>
internal sealed class FanCrowd(FansOptions options, ChannelWriter<FanRecord> records)
{
    /// <summary>Registrations under way at once: enough to pre-create thousands of accounts in seconds.</summary>
    private const int RegisterParallelism = 64;

    private readonly ConcurrentDictionary<long, Fan> _active = new();
    private long _started;
    private long _nextLocal = -1;

    /// <returns>0 when the run went its full length, 2 when castd could not be prepared.</returns>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Http}") };
        var slots = options.Node.Slots(options.Users).ToList();
        if (options.PercentNew < 100)
        {
            try
            {
                await Parallel.ForEachAsync(slots, new ParallelOptions { MaxDegreeOfParallelism = RegisterParallelism, CancellationToken = cancellationToken },
                    async (slot, token) => (await http.PostAsync("/register", new StringContent(ExistingAccount(slot)), token)).EnsureSuccessStatusCode());
            }
            catch (HttpRequestException ex)
            {
                await Console.Error.WriteLineAsync($"castload fans: cannot pre-create accounts at {options.Http}: {ex.Message}");
                return 2;
            }
        }

        // The run's clock (FanJoined times, the duration) starts once the accounts exist.
        _started = Stopwatch.GetTimestamp();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Duration > TimeSpan.Zero)
        {
            stop.CancelAfter(options.Duration);
        }
        var sampling = SampleAsync(stop.Token);
        await Task.WhenAll(slots.Select(slot => FillSlotAsync(http, slot, stop.Token)));
        await sampling;
        return 0;
    }

    private double RunSeconds => Stopwatch.GetElapsedTime(_started).TotalSeconds;

    private string ExistingAccount(int slot) => $"testfan{options.ExistingOffset + slot}";

    /// <summary>Exactly <c>PercentNew</c> % of every run of fan numbers are new accounts, spread evenly.</summary>
    private bool IsNew(long fan) => Math.Floor((fan + 1) * options.PercentNew / 100) > Math.Floor(fan * options.PercentNew / 100);

    private async Task FillSlotAsync(HttpClient http, int slot, CancellationToken stop)
    {
        // Slots join on one ramp across all nodes: slot s at s × ramp. Nodes run this relative to their own start.
        if (!await PauseAsync(options.Ramp * slot, stop))
        {
            return;
        }
        while (!stop.IsCancellationRequested)
        {
            var number = options.Node.FanNumber(Interlocked.Increment(ref _nextLocal));
            var account = IsNew(number) ? $"newfan-{options.RunId}-{number}" : ExistingAccount(slot);
            records.TryWrite(FanRecord.Of(number, 0, FanMetrics.Joined, RunSeconds));
            records.TryWrite(new FanRecord(number, 0, FanMetrics.Account, account));
            var reason = IsNew(number) ? await RegisterAsync(http, account, stop) : null;
            Fan? fan = null;
            if (reason is null && !stop.IsCancellationRequested)
            {
                var request = new ViewerRequest(options.StreamHost, options.StreamPort, account, options.Channel, !options.Raw, options.ReadBytesPerSecond);
                var chatter = options.ChatRate > 0 ? new FanChatter(options.Http, account, options.Channel, options.ChatRate) : null;
                fan = new Fan(number, account, new StreamViewer(request), chatter);
                _active[number] = fan;
                reason = await fan.RunAsync(stop);
                _active.TryRemove(number, out _);
                Write(fan.Sample(options));
            }
            if (reason is null)
            {
                return;
            }
            records.TryWrite(new FanRecord(number, fan?.Seconds ?? 0, FanMetrics.Cut, reason));
            if (!await PauseAsync(options.ReplaceDelay, stop))
            {
                return;
            }
        }
    }

    private static async Task<string?> RegisterAsync(HttpClient http, string account, CancellationToken stop)
    {
        try
        {
            using var response = await http.PostAsync("/register", new StringContent(account), stop);
            return response.IsSuccessStatusCode ? null : $"registration failed: HTTP {(int)response.StatusCode}";
        }
        catch (HttpRequestException ex)
        {
            return $"registration failed: {FanRecord.Field(ex.Message)}";
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Every interval, each watching fan's progress; a last round when the run ends.</summary>
    private async Task SampleAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(options.Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                foreach (var fan in _active.Values)
                {
                    Write(fan.Sample(options));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Write(List<FanRecord> sample)
    {
        foreach (var record in sample)
        {
            records.TryWrite(record);
        }
    }

    private static async Task<bool> PauseAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
