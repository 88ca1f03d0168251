using Castd.Tests.Integration.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Castd.Tests.Host;

/// <summary>
/// Watch time (docs/http.md) on castd's own clock, injected: the seconds a viewer is connected to a live channel,
/// exactly, with no wall-clock rounding or pacing to allow for. The clock moves only between packets, each waited for,
/// so every packet's receive time is known; usage is read (and accrued) only when the test asks.
/// </summary>
public sealed class WatchTimeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task LiveSecondsCount_ASilenceBeyondTheLiveTimeoutDoesNot_ANeverLiveChannelNever()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        await using var castd = await InProcessCastd.StartAsync(["frank"], new Dictionary<string, string>
        {
            // The flusher would accrue at moments of its own; here usage is accrued when it is read.
            ["CASTD_USAGE_FLUSH_MS"] = "600000",
            ["CASTD_LIVE_TIMEOUT_MS"] = "1000",
        }, clock);
        await using var watcher = await TestViewer.ConnectAsync(castd.StreamPort, "frank live01 framed\n");
        await using var idle = await TestViewer.ConnectAsync(castd.StreamPort, "frank dark01\n");
        await ViewerAdmissionTests.WaitForViewersAsync(castd, 2);
        ulong sent = 0;

        // t = 0: the first packet, held for the start-up hold; it is released once the clock has moved past it.
        await castd.Source.SendAsync("live01", sent++, TestPayloads.For(0, 0));
        await Eventually.TrueAsync(async () => (await castd.HealthAsync()).GetProperty("channels").EnumerateArray().Any(c => c.GetProperty("held").GetInt32() == 1));
        // t = 1 .. 4: a packet each second, so the channel stays live from t = 0 on.
        for (var second = 1; second <= 4; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await SendAndWaitAsync(castd, watcher, sent++);
        }
        Assert.Equal(new Dictionary<string, long> { ["live01"] = 4 }, await castd.UsageAsync("frank"));

        // Silent from t = 4 to t = 10: live until the last packet plus the live timeout (t = 5), not after.
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(new Dictionary<string, long> { ["live01"] = 5 }, await castd.UsageAsync("frank"));

        // Live again from t = 10, a packet each second: at t = 12 two more seconds.
        await SendAndWaitAsync(castd, watcher, sent++);
        for (var second = 11; second <= 12; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await SendAndWaitAsync(castd, watcher, sent++);
        }
        Assert.Equal(new Dictionary<string, long> { ["live01"] = 7 }, await castd.UsageAsync("frank"));
    }

    /// <summary>Sends the next packet and waits until the viewer has it (so castd took it at the clock's time).</summary>
    private static async Task SendAndWaitAsync(InProcessCastd castd, TestViewer viewer, ulong sequence)
    {
        await castd.Source.SendAsync("live01", sequence, TestPayloads.For(0, sequence));
        await viewer.WaitForAsync(bytes => TestViewer.ParseFramed(bytes).Count == (int)sequence + 1, Wait);
    }
}
