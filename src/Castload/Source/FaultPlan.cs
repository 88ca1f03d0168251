using System.Diagnostics;

namespace Castd.Castload.Source;

/// <summary>
/// When <c>castload source --faults</c> strikes and with what: every <c>--fault-every</c> on average (uniformly ½ to
/// 1½ of it), one of the faults asked for, drawn from a seeded generator. Channel faults are applied to the schedule
/// here; the connection faults are the feed's to carry out.
/// </summary>
/// <param name="stopTimestamp">When <c>--duration</c> ends (a <see cref="Stopwatch"/> timestamp); null when it does not.</param>
internal sealed class FaultPlan(SourceOptions options, long? stopTimestamp)
{
    /// <summary>Three times castd's default live timeout (1 s): a silenced channel stops counting as live.</summary>
    public static readonly TimeSpan SilenceLength = TimeSpan.FromSeconds(3);

    /// <summary>More than castd's default reorder window (1,024 slots): castd skips the numbers at once, counted as lost.</summary>
    public const ulong JumpLength = 5000;

    /// <summary>
    /// No fault this close to the end of <c>--duration</c>: a silence has ended and the last packets go out unharmed,
    /// so a run's counts add up. Longer than <see cref="SilenceLength"/> plus castd's default stall timeout (2 s).
    /// </summary>
    private static readonly TimeSpan QuietEnd = TimeSpan.FromSeconds(5);

    private readonly Random _random = new(options.Seed + 1);
    private readonly Dictionary<SourceFault, int> _injected = SourceFaults.All.ToDictionary(f => f, _ => 0);
    private TimeSpan? _nextAt;
    private int? _silenced;
    private TimeSpan _silentUntil;

    public IReadOnlyDictionary<SourceFault, int> Injected => _injected;

    /// <summary>
    /// The fault due at <paramref name="elapsed"/> on the stream's clock and the channel it strikes (silence and jump),
    /// if any; a silence ends here too.
    /// </summary>
    public (SourceFault Fault, int Channel)? Take(TimeSpan elapsed, PacketSchedule schedule)
    {
        if (_silenced is { } quiet && elapsed >= _silentUntil)
        {
            schedule.Silence(quiet, false);
            _silenced = null;
        }
        _nextAt ??= elapsed + Interval();
        if (elapsed < _nextAt || (stopTimestamp is { } stop && Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), stop) < QuietEnd))
        {
            return null;
        }
        _nextAt = elapsed + Interval();
        var fault = options.Faults[_random.Next(options.Faults.Count)];
        var channel = _random.Next(schedule.ChannelCount);
        if (fault == SourceFault.Silence)
        {
            if (_silenced is not null)
            {
                return null;
            }
            schedule.Silence(channel, true);
            (_silenced, _silentUntil) = (channel, elapsed + SilenceLength);
        }
        else if (fault == SourceFault.Jump)
        {
            schedule.Jump(channel, JumpLength);
        }
        return (fault, channel);
    }

    /// <summary>Counts a fault once it was carried out (a cut that found no packet to cut became a hang-up).</summary>
    public void Count(SourceFault fault) => _injected[fault]++;

    private TimeSpan Interval() => options.FaultEvery * (0.5 + _random.NextDouble());
}
