using Castd.Castload.Fans;

namespace Castd.Castload.Report;

/// <summary>
/// A fans CSV folded onto one timeline: every fan's lines placed at its start (its <c>FanJoined</c> value) plus its
/// own seconds, in buckets of <c>bucketSeconds</c>. What the report draws and tabulates.
/// </summary>
internal sealed class FanRun
{
    private readonly Dictionary<long, FanLines> _fans = [];

    private FanRun(double bucketSeconds, double lagSeconds) => (BucketSeconds, LagSeconds) = (bucketSeconds, lagSeconds);

    public double BucketSeconds { get; }

    public double LagSeconds { get; }

    public IReadOnlyList<Bucket> Buckets { get; private set; } = [];

    public int FansStarted => _fans.Count;

    public int NewAccounts => _fans.Values.Count(f => f.Account?.StartsWith("newfan-", StringComparison.Ordinal) == true);

    public IReadOnlyList<(string Reason, int Count)> Cuts => [.. _fans.Values.Where(f => f.CutReason is not null)
        .GroupBy(f => f.CutReason!.Split(':')[0]).Select(g => (g.Key, g.Count())).OrderByDescending(c => c.Item2)];

    public int FansEverLagged => _fans.Values.Count(f => f.EverLagged);

    public double TotalMegabytes => _fans.Values.Sum(f => f.KiloBytes.Count > 0 ? f.KiloBytes[^1].Value : 0) / 1000;

    public IReadOnlyList<double> StartupsMs => [.. _fans.Values.Where(f => f.StartupMs is not null).Select(f => f.StartupMs!.Value).Order()];

    public IReadOnlyList<double> LatenciesMs => [.. _fans.Values.SelectMany(f => f.LatencyMs.Select(l => l.Value)).Order()];

    public static FanRun Build(IEnumerable<FanRecord> records, double bucketSeconds, double lagSeconds)
    {
        var run = new FanRun(bucketSeconds, lagSeconds);
        foreach (var record in records)
        {
            run.Add(record);
        }
        run.Buckets = run.Fold();
        return run;
    }

    private void Add(FanRecord record)
    {
        if (!_fans.TryGetValue(record.Fan, out var fan))
        {
            _fans[record.Fan] = fan = new FanLines();
        }
        switch (record.Metric)
        {
            case FanMetrics.Joined:
                fan.Start = record.Number;
                break;
            case FanMetrics.Account:
                fan.Account = record.Value;
                break;
            case FanMetrics.Cut:
                fan.CutReason = record.Value;
                break;
            case FanMetrics.StartupMs:
                fan.StartupMs = record.Number;
                break;
            case FanMetrics.KiloBytes:
                fan.KiloBytes.Add((record.Seconds, record.Number));
                break;
            case FanMetrics.MediaSeconds:
                fan.Media.Add((record.Seconds, record.Number));
                break;
            case FanMetrics.LatencyMs:
                fan.LatencyMs.Add((record.Seconds, record.Number));
                break;
        }
    }

    private List<Bucket> Fold()
    {
        var buckets = new SortedDictionary<int, Bucket>();
        int Index(double runSeconds) => (int)Math.Floor(runSeconds / BucketSeconds);
        Bucket At(double runSeconds)
        {
            var index = Index(runSeconds);
            if (!buckets.TryGetValue(index, out var bucket))
            {
                buckets[index] = bucket = new Bucket(index * BucketSeconds, BucketSeconds);
            }
            return bucket;
        }
        foreach (var fan in _fans.Values)
        {
            // What a fan received between two samples is spread evenly over that time, bucket by bucket, so every
            // bucket gets its share whatever the samples' phase. Its bitrate in a bucket is taken only where its
            // samples cover at least half of it (not the sliver before its first sample or after its last).
            var perBucket = new Dictionary<Bucket, (double KiloBytes, double Seconds)>();
            for (var i = 1; i < fan.KiloBytes.Count; i++)
            {
                var (t0, k0) = fan.KiloBytes[i - 1];
                var (t1, k1) = fan.KiloBytes[i];
                var (from, to) = (fan.Start + t0, fan.Start + t1);
                for (var index = Index(from); to > from && index <= Index(to); index++)
                {
                    var overlap = Math.Min(to, (index + 1) * BucketSeconds) - Math.Max(from, index * BucketSeconds);
                    if (overlap > 0)
                    {
                        var bucket = At(index * BucketSeconds);
                        var share = (k1 - k0) * overlap / (to - from);
                        bucket.TotalKiloBytes += share;
                        var (kiloBytes, seconds) = perBucket.GetValueOrDefault(bucket);
                        perBucket[bucket] = (kiloBytes + share, seconds + overlap);
                    }
                }
            }
            foreach (var (bucket, (kiloBytes, seconds)) in perBucket.Where(b => b.Value.Seconds >= BucketSeconds / 2))
            {
                bucket.FanKilobitsPerSecond.Add(kiloBytes * 8 / seconds);
            }
            // Connected: every bucket from the fan's first sample to its last (samples drift against bucket edges, so
            // a bucket may hold none of a watching fan's). Lagged: the lag of its latest media sample by then.
            if (fan.Media.Count > 0)
            {
                var (first, last) = (Index(fan.Start + fan.Media[0].Seconds), Index(fan.Start + fan.Media[^1].Seconds));
                var sample = 0;
                for (var index = first; index <= last; index++)
                {
                    while (sample + 1 < fan.Media.Count && Index(fan.Start + fan.Media[sample + 1].Seconds) <= index)
                    {
                        sample++;
                    }
                    var bucket = At(index * BucketSeconds);
                    bucket.Connected++;
                    if (fan.Media[sample].Seconds - fan.Media[sample].Value > LagSeconds)
                    {
                        bucket.Lagged++;
                        fan.EverLagged = true;
                    }
                }
            }
            foreach (var (seconds, ms) in fan.LatencyMs)
            {
                At(fan.Start + seconds).LatenciesMs.Add(ms);
            }
        }
        foreach (var bucket in buckets.Values)
        {
            bucket.FanKilobitsPerSecond.Sort();
            bucket.LatenciesMs.Sort();
        }
        return [.. buckets.Values];
    }

    /// <summary>The value at quantile <paramref name="q"/> of sorted values (nearest rank), or null when there are none.</summary>
    public static double? Quantile(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? null : sorted[int.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    private sealed class FanLines
    {
        public double Start { get; set; }
        public string? Account { get; set; }
        public string? CutReason { get; set; }
        public double? StartupMs { get; set; }
        public bool EverLagged { get; set; }
        public List<(double Seconds, double Value)> KiloBytes { get; } = [];
        public List<(double Seconds, double Value)> Media { get; } = [];
        public List<(double Seconds, double Value)> LatencyMs { get; } = [];
    }

    /// <summary>One slice of run time: the fans seen in it and what they received.</summary>
    internal sealed class Bucket(double start, double seconds)
    {
        public double Start { get; } = start;
        /// <summary>Kilobytes all fans received in this slice of time.</summary>
        public double TotalKiloBytes { get; set; }
        public int Connected { get; set; }
        public int Lagged { get; set; }
        public List<double> FanKilobitsPerSecond { get; } = [];
        public List<double> LatenciesMs { get; } = [];
        public double TotalMegabitsPerSecond => TotalKiloBytes * 8 / seconds / 1000;
    }
}
