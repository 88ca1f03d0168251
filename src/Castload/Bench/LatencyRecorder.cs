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

    /// <summary>All threads' samples together; call after every receiver has stopped.</summary>
    public LongHistogram Merge()
    {
        var merged = new LongHistogram(HighestMicros, 3);
        foreach (var histogram in _histograms.Values)
        {
            merged.Add(histogram);
        }
        return merged;
    }
}
