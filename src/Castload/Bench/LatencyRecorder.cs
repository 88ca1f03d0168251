using HdrHistogram;

namespace Castd.Castload.Bench;

/// <summary>
/// End-to-end latencies in microseconds, recorded only while a measurement runs. Each receiving thread records into
/// its own histogram (no contention, no allocation per sample); the report merges them. Each histogram has its own
/// lock, taken by its one writer and, rarely, by <see cref="TakeInterval"/>: uncontended, so it costs a few atomic
/// instructions per sample, and an interval never reads a histogram half-updated.
/// </summary>
internal sealed class LatencyRecorder
{
    /// <summary>A minute: anything slower is recorded as a minute (and is far past "behind" anyway).</summary>
    private const long HighestMicros = 60_000_000;

    private readonly ThreadLocal<Shard> _shards = new(() => new Shard(), trackAllValues: true);
    private volatile bool _recording;

    public bool IsRecording => _recording;

    public void Start() => _recording = true;

    public void Stop() => _recording = false;

    public void Record(long micros)
    {
        var shard = _shards.Value!;
        lock (shard.Gate)
        {
            shard.Histogram.RecordValue(long.Clamp(micros, 0, HighestMicros));
        }
    }

    /// <summary>All threads' samples together, in microseconds.</summary>
    public LongHistogram Merged() => Merge(reset: false);

    /// <summary>All threads' samples since the last interval (or the start), in microseconds; recording goes on meanwhile.</summary>
    public LongHistogram TakeInterval() => Merge(reset: true);

    /// <summary>All threads' samples together, in milliseconds; call after every receiver has stopped.</summary>
    public LatencySummary Summarize() => LatencySummary.Of(Merged());

    public static LongHistogram NewHistogram() => new(HighestMicros, 3);

    private LongHistogram Merge(bool reset)
    {
        var merged = NewHistogram();
        foreach (var shard in _shards.Values)
        {
            lock (shard.Gate)
            {
                merged.Add(shard.Histogram);
                if (reset)
                {
                    shard.Histogram.Reset();
                }
            }
        }
        return merged;
    }

    private sealed class Shard
    {
        public Lock Gate { get; } = new();

        public LongHistogram Histogram { get; } = NewHistogram();
    }
}

/// <summary>Latency percentiles in milliseconds; all null when nothing was recorded.</summary>
internal readonly record struct LatencySummary(double? P50Ms, double? P99Ms, double? P999Ms, double? MaxMs)
{
    public static LatencySummary Of(LongHistogram micros)
    {
        if (micros.TotalCount == 0)
        {
            return default;
        }
        return new LatencySummary(Ms(micros.GetValueAtPercentile(50)), Ms(micros.GetValueAtPercentile(99)),
            Ms(micros.GetValueAtPercentile(99.9)), Ms(micros.GetMaxValue()));

        static double Ms(long value) => value / 1000.0;
    }

    public static string Format(double? ms) => ms?.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) ?? "n/a";

    /// <summary>The percentiles as <c>latencyP50Ms</c>… properties (<paramref name="prefix"/> in place of <c>latency</c>), null when nothing was recorded.</summary>
    public void WriteTo(System.Text.Json.Utf8JsonWriter json, string prefix = "latency")
    {
        Write("P50Ms", P50Ms);
        Write("P99Ms", P99Ms);
        Write("P999Ms", P999Ms);
        Write("MaxMs", MaxMs);

        void Write(string name, double? value)
        {
            if (value is { } number)
            {
                json.WriteNumber(prefix + name, number);
            }
            else
            {
                json.WriteNull(prefix + name);
            }
        }
    }
}
