using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Castd.Tests.Integration.Infrastructure;
using static Castd.Tests.Integration.Infrastructure.HealthChannels;

namespace Castd.Tests.Integration;

/// <summary>
/// <c>castload monitor</c> against a real castd (fed by a real <c>castload source</c> where a channel must be live),
/// its /metrics scraped over HTTP while it runs.
/// </summary>
public sealed partial class MonitorTests
{
    [Fact]
    public async Task LiveChannel_TwoTestsSucceed_ActiveIsOneDuringATestAndZeroBetween_AndTheScrapePassesPromtool()
    {
        using var data = new TempDirectory();
        var sourcePort = FreePorts.Next();
        await using var castd = await CastdProcess.StartAsync(data.Path, sourcePort);
        using var stopSource = new CancellationTokenSource();
        var source = DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["source", "--port", sourcePort.ToString(CultureInfo.InvariantCulture), "--channels", "live01", "--rate", "50"], stop: stopSource.Token);
        // Live means past the start-up hold: a viewer joining inside it is handed the held packets as one burst on top.
        await Eventually.TrueAsync(async () => Released(await castd.HealthAsync(), "live01") > 0);

        var run = await RunMonitorAsync(castd, "live01", ["--iterations", "2", "--duration", "2s", "--grace", "1s"],
            new Dictionary<string, string> { ["STREAM_MONITOR_LABEL_REGION"] = "eu-west", ["STREAM_MONITOR_LABEL_DURATION"] = "2s" });
        await stopSource.CancelAsync();
        await source;

        Assert.True(run.Exit == 0, run.Output);
        var tests = TestLines(run.Output);
        Assert.Equal(["success", "success"], tests.Select(t => t.Status));
        Assert.All(tests, t => Assert.InRange(t.Packets, 60, 101)); // 2 s of a 50 packets/s channel, less the join
        Assert.All(tests, t => Assert.Equal(0, t.Gaps));

        // The gauges and the counter move as tests run: busy in test 1, idle in the grace after it, 2 at the end.
        var busy = run.Snapshots.FindIndex(s => s is { Active: 1, Success: 0 });
        var between = run.Snapshots.FindIndex(s => s is { Active: 0, Success: 1 });
        var busyAgain = run.Snapshots.FindIndex(s => s is { Active: 1, Success: 1 });
        var done = run.Snapshots.FindIndex(s => s is { Active: 0, Success: 2 });
        Assert.True(busy >= 0 && busy < between && between < busyAgain && busyAgain < done, Describe(run.Snapshots));
        Assert.All(run.Snapshots, s => Assert.Equal(0, s.Failure));

        var scrape = run.Snapshots[^1].Scrape;
        var (exit, output) = await PrometheusScrape.PromtoolAsync(scrape);
        Assert.True(exit == 0 && output.Length == 0, $"promtool check metrics: exit {exit}\n{output}");
        var series = scrape.Split('\n').Where(l => l.StartsWith("stream_monitor_", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(series);
        Assert.All(series, l => Assert.True(l.Contains("region=\"eu-west\"", StringComparison.Ordinal) && l.Contains("duration=\"2s\"", StringComparison.Ordinal), l));

        // The last test's figures, as its line printed them; every packet carried castload's stamp, so every one is a latency sample.
        var last = tests[^1];
        Assert.Equal(last.StartupMs!.Value / 1000, Value(scrape, "stream_monitor_test_startup_seconds"), 4);
        Assert.Equal(last.LatencyP50Ms!.Value / 1000, Value(scrape, "stream_monitor_latency_seconds"), 4);
        Assert.InRange(Value(scrape, "stream_monitor_test_startup_seconds"), 1e-6, 5);
        Assert.InRange(Value(scrape, "stream_monitor_latency_seconds"), 1e-6, 1);
        Assert.Equal(last.Packets * 0.020, Value(scrape, "stream_monitor_segment_duration_seconds"), 6);
        Assert.Equal(2, Value(scrape, "stream_monitor_startup_duration_seconds_count"));
        Assert.Equal(tests.Sum(t => t.Packets), Value(scrape, "stream_monitor_packet_latency_seconds_count"));
        Assert.Equal(tests.Sum(t => t.Packets), Value(scrape, "stream_monitor_packet_latency_seconds_bucket", "le=\"+Inf\""));
    }

    [Fact]
    public async Task ChannelThatNeverGoesLive_IsAFailureAfterTheStartupTimeout_AndActiveReturnsToZero()
    {
        await using var rig = await CastdRig.StartAsync([]);
        var run = await RunMonitorAsync(rig.Castd, "quiet1", ["--iterations", "1", "--duration", "5s", "--startup-timeout", "1s", "--grace", "1s"]);

        Assert.True(run.Exit == 1, run.Output);
        var tests = TestLines(run.Output);
        Assert.True(tests.Count == 1, run.Output);
        var test = tests[0];
        Assert.Equal("failure", test.Status);
        Assert.Contains("no stream byte within 1000 ms", test.Reason, StringComparison.Ordinal);
        Assert.Equal(0, test.Packets);
        Assert.Null(test.StartupMs);
        var busy = run.Snapshots.FindIndex(s => s is { Active: 1, Failure: 0 });
        var after = run.Snapshots.FindIndex(s => s is { Active: 0, Failure: 1 });
        Assert.True(busy >= 0 && busy < after, Describe(run.Snapshots));
        Assert.All(run.Snapshots, s => Assert.Equal(0, s.Success));
        // Ended by the startup timeout, not the 5 s test duration: the grace period began about 1 s in.
        Assert.True(test.At - run.Started < TimeSpan.FromSeconds(4.5), $"test ended {test.At - run.Started} after the monitor started");
    }

    [Fact]
    public async Task PayloadsWithoutCastloadsStamp_AreTimedFromCastdsFramedReceiveTime()
    {
        await using var rig = await CastdRig.StartAsync([]);
        using var stopFeeding = new CancellationTokenSource();
        var feeding = FeedAsync(rig.Source, "plain1", stopFeeding.Token);
        var run = await RunMonitorAsync(rig.Castd, "plain1", ["--iterations", "1", "--duration", "2s", "--grace", "1s"]);
        await stopFeeding.CancelAsync();
        await feeding;

        Assert.True(run.Exit == 0, run.Output);
        var test = TestLines(run.Output).Single();
        Assert.True(test.Packets > 0, run.Output);
        var scrape = run.Snapshots[^1].Scrape;
        Assert.Equal(test.Packets, Value(scrape, "stream_monitor_packet_latency_seconds_count"));
        Assert.InRange(Value(scrape, "stream_monitor_latency_seconds"), 1e-6, 1);
        Assert.Equal(test.LatencyP50Ms!.Value / 1000, Value(scrape, "stream_monitor_latency_seconds"), 4);
    }

    [Fact]
    public async Task RefusedStream_AndUnreachableCastd_AreFailuresWithTheirReasons()
    {
        // castd admits one stream per user; a viewer of the monitor's own account already holds it, so castd answers ERR 429.
        await using var rig = await CastdRig.StartAsync(["monitor"], new Dictionary<string, string> { ["CASTD_MAX_STREAMS_PER_USER"] = "1" });
        await using var holder = await TestViewer.ConnectAsync(rig.Castd.StreamPort, "monitor hold01\n");
        await StreamingTests.WaitForViewersAsync(rig.Castd, 1);
        var nobody = $"127.0.0.1:{FreePorts.Next()}";
        var refused = RunMonitorAsync(rig.Castd, "full01", ["--iterations", "1", "--duration", "2s", "--grace", "1s"]);
        var unreachable = RunMonitorAsync(nobody, nobody, "any001", ["--iterations", "1", "--duration", "2s", "--grace", "1s"]);

        foreach (var (run, reason) in new[] { (await refused, "refused: ERR 429"), (await unreachable, "register monitor: ") })
        {
            Assert.True(run.Exit == 1, run.Output);
            var tests = TestLines(run.Output);
            Assert.True(tests.Count == 1, run.Output);
            var test = tests[0];
            Assert.Equal("failure", test.Status);
            Assert.StartsWith(reason, test.Reason, StringComparison.Ordinal);
            Assert.Contains(run.Snapshots, s => s is { Active: 0, Failure: 1, Success: 0 });
        }
    }

    [Fact]
    public async Task Dashboard_IsValidJson_HasARegionVariable_AndEveryExpressionNamesAMetricTheMonitorExports()
    {
        var expressions = await PrometheusScrape.DashboardExpressionsAsync("castload-monitor-dashboard.json");
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "packaging", "grafana", "castload-monitor-dashboard.json")));
        Assert.Contains(dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray(), v => v.GetProperty("name").GetString() == "region");

        // Every family is exported from the start (histograms with empty buckets), so one failed test is traffic enough.
        var nobody = $"127.0.0.1:{FreePorts.Next()}";
        var run = await RunMonitorAsync(nobody, nobody, "any001", ["--iterations", "1", "--grace", "1s"],
            new Dictionary<string, string> { ["STREAM_MONITOR_LABEL_REGION"] = "eu-west" });
        Assert.NotEmpty(run.Snapshots);
        var exported = PrometheusScrape.FamilyNames(run.Snapshots[^1].Scrape);

        var used = expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).Distinct().ToList();
        Assert.Contains("stream_monitor_total_tests", used);
        Assert.All(used, name => Assert.True(exported.Contains(name), $"the dashboard uses {name}, which the monitor does not export"));
    }

    private sealed record Snapshot(double Active, double Success, double Failure, string Scrape);

    private sealed record MonitorRun(int Exit, string Output, List<Snapshot> Snapshots, DateTime Started);

    private sealed record TestLine(DateTime At, string Status, double? StartupMs, double? LatencyP50Ms, long Packets, long Gaps, string Reason);

    private static Task<MonitorRun> RunMonitorAsync(CastdProcess castd, string channel, string[] args, IReadOnlyDictionary<string, string>? environment = null) =>
        RunMonitorAsync($"127.0.0.1:{castd.HttpPort}", $"127.0.0.1:{castd.StreamPort}", channel, args, environment);

    /// <summary>Runs the monitor to its end, scraping its /metrics every 50 ms meanwhile.</summary>
    private static async Task<MonitorRun> RunMonitorAsync(string http, string stream, string channel, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var port = FreePorts.Next();
        var started = DateTime.UtcNow;
        var monitor = DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["monitor", "--http", http, "--stream", stream, "--channel", channel,
             "--metrics-host", "127.0.0.1", "--metrics-port", port.ToString(CultureInfo.InvariantCulture), .. args], environment);
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(2) };
        var snapshots = new List<Snapshot>();
        string? cut = null;
        while (!monitor.IsCompleted)
        {
            try
            {
                var scrape = await scraper.GetStringAsync("/metrics");
                Assert.True(cut is null, $"a scrape without the monitor's series while it ran:\n{cut}");
                if (scrape.Contains("stream_monitor_active_tests", StringComparison.Ordinal))
                {
                    snapshots.Add(new Snapshot(Value(scrape, "stream_monitor_active_tests"),
                        Value(scrape, "stream_monitor_total_tests", "status=\"success\""),
                        Value(scrape, "stream_monitor_total_tests", "status=\"failure\""), scrape));
                }
                else
                {
                    // What the listener answers while it stops: only the very last scrape may look like this.
                    cut = scrape;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or already gone.
            }
            await Task.Delay(50);
        }
        var (exit, output) = await monitor;
        return new MonitorRun(exit, output, snapshots, started);
    }

    /// <summary>Test payloads (not castload's stamp) on one channel every 20 ms, as a real source would send media.</summary>
    private static async Task FeedAsync(TestSource source, string channel, CancellationToken stop)
    {
        for (ulong sequence = 0; !stop.IsCancellationRequested; sequence++)
        {
            await source.SendAsync(channel, sequence, TestPayloads.For(0, sequence));
            await Task.Delay(20, CancellationToken.None);
        }
    }

    private static double Value(string scrape, string name, params string[] labels) => PrometheusScrape.Value(scrape, name, labels);

    private static List<TestLine> TestLines(string output) =>
        [.. TestLinePattern().Matches(output).Select(m => new TestLine(
            DateTime.Parse(m.Groups["at"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal),
            m.Groups["status"].Value, Ms(m.Groups["startup"].Value), Ms(m.Groups["p50"].Value),
            long.Parse(m.Groups["packets"].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups["gaps"].Value, CultureInfo.InvariantCulture),
            m.Groups["reason"].Value.TrimEnd('\r')))];

    private static double? Ms(string text) => text == "-" ? null : double.Parse(text, CultureInfo.InvariantCulture);

    private static string Describe(List<Snapshot> snapshots) =>
        "scrapes (active, success, failure): " + string.Join(' ', snapshots.Select(s => $"{s.Active}/{s.Success}/{s.Failure}"));

    [GeneratedRegex(@"^(?<at>\S+) test \d+ (?<status>success|failure) startup_ms=(?<startup>\S+) latency_p50_ms=(?<p50>\S+) packets=(?<packets>\d+) gaps=(?<gaps>\d+)(?: reason=(?<reason>.*))?$", RegexOptions.Multiline)]
    private static partial Regex TestLinePattern();

    /// <summary>Metric names in the dashboard's PromQL, with their sample suffixes.</summary>
    [GeneratedRegex(@"\bstream_monitor_[a-z_]+\b")]
    private static partial Regex MetricName();
}
