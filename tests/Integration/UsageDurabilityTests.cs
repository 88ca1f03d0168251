using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>Watch time (docs/http.md) is durable across kill -9 and a graceful stop, with real processes; how much is
/// counted is tested exactly on an injected clock (Host/WatchTimeTests).</summary>
public sealed class UsageDurabilityTests
{
    [Fact]
    public async Task KillHard_ThenRestartOnSameData_KeepsRegistrationsAndUsage()
    {
        using var data = new TempDirectory();
        await using var source = new TestSource();
        long before;
        await using (var castd = await CastdProcess.StartAsync(data.Path, source.Port))
        {
            await castd.RegisterAsync("grace");
            await source.AcceptAsync();
            using var feeding = new CancellationTokenSource();
            var feed = FeedAsync(source, "live01", feeding.Token);
            await using (var viewer = await TestViewer.ConnectAsync(castd.StreamPort, "grace live01\n"))
            {
                await Task.Delay(TimeSpan.FromSeconds(3.5));
                before = (await castd.UsageAsync("grace"))["live01"];
                // Past one flush interval (1 s): everything reported so far is on disk.
                await Task.Delay(TimeSpan.FromSeconds(1.5));
                await castd.KillHardAsync();
            }
            await feeding.CancelAsync();
            await feed;
            source.Disconnect();
        }

        await using var restarted = await CastdProcess.StartAsync(data.Path, source.Port);
        var after = await restarted.UsageAsync("grace");
        Assert.InRange(after["live01"], before, before + 3);
        await using var again = await TestViewer.ConnectAsync(restarted.StreamPort, "grace live01\n");
        await Task.Delay(300);
        Assert.DoesNotContain("ERR", again.ReceivedText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GracefulStop_FlushesUsageAndExitsZero()
    {
        using var data = new TempDirectory();
        await using var source = new TestSource();
        long watchedSeconds;
        await using (var castd = await CastdProcess.StartAsync(data.Path, source.Port,
            new Dictionary<string, string> { ["CASTD_USAGE_FLUSH_MS"] = "60000" }))
        {
            await castd.RegisterAsync("heidi");
            await source.AcceptAsync();
            using var feeding = new CancellationTokenSource();
            var feed = FeedAsync(source, "live01", feeding.Token);
            await using var viewer = await TestViewer.ConnectAsync(castd.StreamPort, "heidi live01\n");
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            watchedSeconds = (await castd.UsageAsync("heidi"))["live01"];
            Assert.Equal(0, await castd.StopAsync());
            await feeding.CancelAsync();
            await feed;
            source.Disconnect();
        }

        await using var restarted = await CastdProcess.StartAsync(data.Path, source.Port);
        Assert.InRange((await restarted.UsageAsync("heidi"))["live01"], watchedSeconds, watchedSeconds + 2);
    }

    /// <summary>A live channel: one packet every 20 ms, like 1316-byte MPEG-TS payloads.</summary>
    internal static async Task FeedAsync(TestSource source, string channel, CancellationToken cancellationToken)
    {
        ulong sequence = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await source.SendAsync(channel, sequence, TestPayloads.For(0, sequence));
                sequence++;
                await Task.Delay(20, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }
    }
}
