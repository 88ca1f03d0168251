using System.Net;
using System.Text.RegularExpressions;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>/metrics, /readyz and the Grafana dashboard, against a real castd with real traffic.</summary>
public sealed partial class MetricsTests
{
    [Fact]
    public async Task InjectedDuplicatesLateAndLostPackets_AreCountedExactly_AndTheScrapePassesPromtool()
    {
        await using var rig = await CastdRig.StartAsync(["mia"]);
        await using var viewer = await TestViewer.ConnectAsync(rig.Castd.StreamPort, "mia met001 framed\n");
        await StreamingTests.WaitForViewersAsync(rig.Castd, 1);

        // 0..49 without 10 (lost after the gap timeout); 13 twice while 11..13 wait for 10 (a held duplicate);
        // then 5 again after it went out (late). 51 packets in, 49 released.
        ulong[] order = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 13, 11, .. Enumerable.Range(14, 36).Select(i => (ulong)i)];
        foreach (var sequence in order)
        {
            await rig.Source.SendAsync("met001", sequence, TestPayloads.For(0, sequence));
        }
        await viewer.WaitForAsync(b => TestViewer.ParseFramed(b).Count == 49, TimeSpan.FromSeconds(10));
        await rig.Source.SendAsync("met001", 5, TestPayloads.For(0, 5));
        // The late packet is the last to be counted: once it is, so is everything before it.
        var scrape = "";
        await Eventually.TrueAsync(async () => Value(scrape = await rig.Castd.Http.GetStringAsync("/metrics"), "castd_reorder_late_total", "met001") == 1);

        Assert.Equal(51, Value(scrape, "castd_ingest_packets_total", "met001"));
        Assert.Equal(49, Value(scrape, "castd_reorder_released_total", "met001"));
        Assert.Equal(1, Value(scrape, "castd_reorder_lost_total", "met001"));
        Assert.Equal(1, Value(scrape, "castd_reorder_duplicates_total", "met001"));
        Assert.Equal(1, Value(scrape, "castd_reorder_late_total", "met001"));
        Assert.Equal(1, Value(scrape, "castd_viewers", "met001"));
        Assert.Equal(49, Value(scrape, "castd_delivered_packets_total"));
        Assert.Equal(1, Value(scrape, "castd_source_connected"));
        Assert.True(Value(scrape, "castd_delivery_latency_seconds_count") >= 1);

        var (exit, output) = await PrometheusScrape.PromtoolAsync(scrape);
        Assert.True(exit == 0 && output.Length == 0, $"promtool check metrics: exit {exit}\n{output}");
    }

    [Fact]
    public async Task Readyz_Is503UntilTheSourceConnects_UnlessAllowedToBeDown()
    {
        // Nothing listens on the source port yet (a listening socket would complete castd's connect by itself).
        var sourcePort = FreePorts.Next();
        using var data = new TempDirectory();
        await using var castd = await CastdProcess.StartAsync(data.Path, sourcePort);
        using (var waiting = await castd.Http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, waiting.StatusCode);
            Assert.Contains("channel source not connected", await waiting.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await using var source = new TestSource(sourcePort);
        await source.AcceptAsync();
        await WaitForStatusAsync(castd, HttpStatusCode.OK);

        using var other = new TempDirectory();
        await using var relaxed = await CastdProcess.StartAsync(other.Path, FreePorts.Next(),
            new Dictionary<string, string> { ["CASTD_READY_WITHOUT_SOURCE"] = "true" });
        using var ready = await relaxed.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Dashboard_IsValidJson_AndEveryExpressionNamesAnExportedMetric()
    {
        var expressions = await PrometheusScrape.DashboardExpressionsAsync("castd-dashboard.json");
        Assert.NotEmpty(expressions);

        // A castd with traffic on every path the dashboard shows, so that every family has samples.
        await using var rig = await CastdRig.StartAsync(["max"]);
        await using var viewer = await TestViewer.ConnectAsync(rig.Castd.StreamPort, "max dash01\n");
        await StreamingTests.WaitForViewersAsync(rig.Castd, 1);
        for (ulong s = 0; s < 20; s++)
        {
            await rig.Source.SendAsync("dash01", s, TestPayloads.For(0, s));
        }
        await viewer.WaitForLengthAsync(20 * 200, TimeSpan.FromSeconds(10));
        var used = expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).Distinct().ToList();
        Assert.NotEmpty(used);

        // Some families get their first sample a moment later (the first usage flush, after CASTD_USAGE_FLUSH_MS).
        HashSet<string> exported = [];
        await Eventually.TrueAsync(async () => used.All((exported = PrometheusScrape.FamilyNames(await rig.Castd.Http.GetStringAsync("/metrics"))).Contains));
        Assert.All(used, name => Assert.True(exported.Contains(name), $"the dashboard uses {name}, which castd does not export"));
    }

    private static double Value(string scrape, string name, string? channel = null) =>
        PrometheusScrape.Value(scrape, name, channel is null ? [] : [$"channel=\"{channel}\""]);

    private static async Task WaitForStatusAsync(CastdProcess castd, HttpStatusCode status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var response = await castd.Http.GetAsync("/readyz");
            if (response.StatusCode == status)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"/readyz stayed {response.StatusCode}");
            await Task.Delay(50);
        }
    }

    /// <summary>Metric names in PromQL: castd's own and ASP.NET Core's HTTP server histogram, with their sample suffixes.</summary>
    [GeneratedRegex(@"\b(castd|http_server)_[a-z_]+\b")]
    private static partial Regex MetricName();
}
