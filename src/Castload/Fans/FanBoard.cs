namespace Castd.Castload.Fans;

/// <summary>
/// The live picture of a run, built from the same records the CSV gets (so it reads a remote node's lines the same
/// way as local fans): fans connected against the target, bitrates, fans lagged, cuts by reason.
/// </summary>
internal sealed class FanBoard(int target, double lagSeconds, TimeSpan interval)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, FanState> _fans = [];
    private readonly Dictionary<string, int> _cuts = [];
    private readonly List<double> _startupsMs = [];
    private long _started;

    public void Add(FanRecord record)
    {
        lock (_lock)
        {
            switch (record.Metric)
            {
                case FanMetrics.Joined:
                    _fans[record.Fan] = new FanState();
                    _started++;
                    break;
                case FanMetrics.Cut:
                    _fans.Remove(record.Fan);
                    var reason = record.Value.Split(':')[0];
                    _cuts[reason] = _cuts.GetValueOrDefault(reason) + 1;
                    break;
                case FanMetrics.StartupMs:
                    _startupsMs.Add(record.Number);
                    break;
                case FanMetrics.KiloBytes when _fans.TryGetValue(record.Fan, out var fan):
                    fan.AddKiloBytes(record.Seconds, record.Number, interval.TotalSeconds / 2);
                    break;
                case FanMetrics.MediaSeconds when _fans.TryGetValue(record.Fan, out var fan):
                    fan.LagSeconds = record.Seconds - record.Number;
                    break;
            }
        }
    }

    public FanBoardSnapshot Snapshot()
    {
        lock (_lock)
        {
            var rates = _fans.Values.Where(f => f.KilobitsPerSecond is not null).Select(f => f.KilobitsPerSecond!.Value).Order().ToList();
            var startups = _startupsMs.Order().ToList();
            return new FanBoardSnapshot(
                target, _fans.Count, _started, _fans.Values.Count(f => f.LagSeconds > lagSeconds), rates.Sum() / 1000,
                rates.Count > 0 ? rates[0] : null, rates.Count > 0 ? rates[rates.Count / 2] : null, rates.Count > 0 ? rates[^1] : null,
                startups.Count > 0 ? startups[startups.Count / 2] : null,
                _cuts.OrderByDescending(c => c.Value).Select(c => (c.Key, c.Value)).ToList());
        }
    }

    private sealed class FanState
    {
        private double _lastSeconds;
        private double _lastKiloBytes;

        public double? KilobitsPerSecond { get; private set; }

        public double LagSeconds { get; set; }

        /// <summary>A sample closer than <paramref name="minSeconds"/> to the last one (a fan's final sample just after
        /// the sampler's) would measure a rate over a sliver of time: it waits for the next.</summary>
        public void AddKiloBytes(double seconds, double kiloBytes, double minSeconds)
        {
            if (seconds - _lastSeconds < minSeconds)
            {
                return;
            }
            KilobitsPerSecond = (kiloBytes - _lastKiloBytes) * 8 / (seconds - _lastSeconds);
            (_lastSeconds, _lastKiloBytes) = (seconds, kiloBytes);
        }
    }
}

/// <summary>One moment of a run; bitrates are in kbit/s per fan and Mbit/s in all, null before any fan has two samples.</summary>
internal sealed record FanBoardSnapshot(
    int Target,
    int Connected,
    long Started,
    int Lagged,
    double TotalMegabitsPerSecond,
    double? MinKilobitsPerSecond,
    double? MedianKilobitsPerSecond,
    double? MaxKilobitsPerSecond,
    double? StartupMedianMs,
    IReadOnlyList<(string Reason, int Count)> Cuts)
{
    public int CutCount => Cuts.Sum(c => c.Count);
}
