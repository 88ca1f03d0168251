using HdrHistogram;

namespace Castd.Castload.Bench;

/// <summary>
/// End-to-end latencies in microseconds, recorded only while a measurement runs. Each receiving thread records into
/// its own histogram (no contention, no allocation per sample); the report merges them.
/// </summary>
internal sealed class LatencyRecorder
{
    /// <summary>A minute: anything slower is recorded as a minute (and is far past "behind" anyway).</summary>
    private const long HighestMicros = 60_000_000;

    private readonly ThreadLocal<LongHistogram> _histograms = new(() => new LongHistogram(HighestMicros, 3), trackAllValues: true);
    private volatile bool _recording;

    public bool IsRecording => _recording;

    public void Start() => _recording = true;

    public void Stop() => _recording = false;

    public void Record(long micros) => _histograms.Value!.RecordValue(long.Clamp(micros, 0, HighestMicros));

    /// <summary>All threads' samples together, in microseconds; call after every receiver has stopped.</summary>
    public LongHistogram Merged()
    {
        var merged = new LongHistogram(HighestMicros, 3);
        foreach (var histogram in _histograms.Values)
        {
            merged.Add(histogram);
        }
        return merged;
    }

    /// <summary>All threads' samples together, in milliseconds; call after every receiver has stopped.</summary>
    public LatencySummary Summarize()
    {
        var merged = Merged();
        if (merged.TotalCount == 0)
        {
            return default;
        }
        return new LatencySummary(Ms(merged.GetValueAtPercentile(50)), Ms(merged.GetValueAtPercentile(99)),
            Ms(merged.GetValueAtPercentile(99.9)), Ms(merged.GetMaxValue()));

        static double Ms(long micros) => micros / 1000.0;
    }
}

/// <summary>Latency percentiles in milliseconds; all null when nothing was recorded.</summary>
internal readonly record struct LatencySummary(double? P50Ms, double? P99Ms, double? P999Ms, double? MaxMs)
{
    public static string Format(double? ms) => ms?.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) ?? "n/a";

    /// <summary>The percentiles as <c>latencyP50Ms</c>… properties, null when nothing was recorded.</summary>
    public void WriteTo(System.Text.Json.Utf8JsonWriter json)
    {
        Write("latencyP50Ms", P50Ms);
        Write("latencyP99Ms", P99Ms);
        Write("latencyP999Ms", P999Ms);
        Write("latencyMaxMs", MaxMs);

        void Write(string name, double? value)
        {
            if (value is { } number)
            {
                json.WriteNumber(name, number);
            }
            else
            {
                json.WriteNull(name);
            }
        }
    }
}
