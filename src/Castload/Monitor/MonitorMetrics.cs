using System.Collections;
using Prometheus;

namespace Castd.Castload.Monitor;

/// <summary>
/// The series existing stream-monitor dashboards read, under exactly their names (prometheus-net exports names as
/// given), plus startup and per-packet latency histograms. Every series carries the static labels taken from
/// <c>STREAM_MONITOR_LABEL_&lt;NAME&gt;</c> variables; the label sets are otherwise fixed (no failure reason).
/// </summary>
internal sealed class MonitorMetrics
{
    public const string LabelVariablePrefix = "STREAM_MONITOR_LABEL_";

    /// <summary>Loopback admission takes a few ms, a join waits up to one packet interval (20 ms at 50 packets/s), a
    /// loaded castd takes hundreds of ms; the default startup timeout is 5 s, 10 s covers a raised one.</summary>
    private static readonly double[] StartupBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Loopback delivery is sub-millisecond; a lost packet's gap timeout adds 200 ms; seconds mean a viewer is
    /// falling behind.</summary>
    private static readonly double[] LatencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly Gauge _tests;
    private readonly Gauge _active;
    private readonly Gauge _startup;
    private readonly Gauge _latency;
    private readonly Gauge _segment;
    private readonly Histogram _startupHistogram;
    private readonly Histogram _latencyHistogram;

    public MonitorMetrics(IReadOnlyDictionary<string, string> staticLabels)
    {
        // prometheus-net's process_* and dotnet_* collectors stay; its own debug gauges and the adapters that
        // republish .NET meters and event counters go: names like system_runtime_dotnet_timer_count (a gauge ending in
        // _count) and prometheus_net_eventcounteradapter_sources_connected_total fail `promtool check metrics`.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
        {
            SuppressProcessMetrics = false,
            SuppressDebugMetrics = true,
            SuppressEventCounters = true,
            SuppressMeters = true,
        });
        Registry = Metrics.DefaultRegistry;
        // Before any metric exists: static labels are fixed for the registry's lifetime.
        Registry.SetStaticLabels(staticLabels.ToDictionary());
        var factory = Metrics.WithCustomRegistry(Registry);
        // A gauge that only ever rises, not a counter: the dashboards' name has no _total suffix, and promtool's lint
        // rejects a counter without one. rate() and increase() read it the same (the original exporter's were gauges too).
        _tests = factory.CreateGauge("stream_monitor_total_tests", "Test streams finished, by status (rises only; resets when the monitor restarts).",
            new GaugeConfiguration { LabelNames = ["status"] });
        _active = factory.CreateGauge("stream_monitor_active_tests", "1 while a test stream runs, else 0.");
        _startup = factory.CreateGauge("stream_monitor_test_startup_seconds", "Last test: connect to the first stream byte.");
        _latency = factory.CreateGauge("stream_monitor_latency_seconds", "Last test: median per-packet delivery latency (castload stamp, else castd receive time, to the monitor).");
        _segment = factory.CreateGauge("stream_monitor_segment_duration_seconds", "Last test: media seconds received (packets times the packet duration).");
        _startupHistogram = factory.CreateHistogram("stream_monitor_startup_duration_seconds", "Connect to the first stream byte, every test.",
            new HistogramConfiguration { Buckets = StartupBuckets });
        _latencyHistogram = factory.CreateHistogram("stream_monitor_packet_latency_seconds", "Per-packet delivery latency, every packet of every test.",
            new HistogramConfiguration { Buckets = LatencyBuckets });
        // Both statuses from the start, so a rate over a monitor that only ever failed still has a success series at 0.
        _tests.WithLabels("success").Set(0);
        _tests.WithLabels("failure").Set(0);
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Labels from <c>STREAM_MONITOR_LABEL_REGION=eu-west</c> → <c>region="eu-west"</c>; null and an error for an unusable name.</summary>
    public static Dictionary<string, string>? StaticLabelsFrom(IDictionary environment, out string? error)
    {
        error = null;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry variable in environment)
        {
            var key = (string)variable.Key;
            if (!key.StartsWith(LabelVariablePrefix, StringComparison.Ordinal))
            {
                continue;
            }
            var name = key[LabelVariablePrefix.Length..].ToLowerInvariant();
            if (!IsLabelName(name) || name is "status" or "le")
            {
                error = $"{key}: '{name}' is not a usable label name (letters, digits and _, not starting with a digit or __; not status or le)";
                return null;
            }
            labels[name] = (string?)variable.Value ?? "";
        }
        return labels;
    }

    public void TestStarted() => _active.Set(1);

    public void TestEnded() => _active.Set(0);

    public void Record(StreamTestResult result)
    {
        _tests.WithLabels(result.Status).Inc();
        if (result.StartupSeconds is { } startup)
        {
            _startup.Set(startup);
            _startupHistogram.Observe(startup);
        }
        if (result.LatencyP50Seconds is { } median)
        {
            _latency.Set(median);
        }
        foreach (var (micros, count) in result.Latencies)
        {
            _latencyHistogram.Observe(micros / 1e6, count);
        }
        _segment.Set(result.MediaSeconds);
    }

    private static bool IsLabelName(string name) =>
        name.Length > 0 && !name.StartsWith("__", StringComparison.Ordinal) && !char.IsAsciiDigit(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}
