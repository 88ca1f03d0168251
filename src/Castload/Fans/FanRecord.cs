using System.Globalization;

namespace Castd.Castload.Fans;

/// <summary>
/// One line of a fans CSV (docs/castload.md): <c>fan,seconds_since_fan_start,metric,value</c>. Progress metrics carry numbers;
/// <see cref="FanMetrics.Account"/> and <see cref="FanMetrics.Cut"/> carry the account and the reason.
/// </summary>
internal readonly record struct FanRecord(long Fan, double Seconds, string Metric, string Value)
{
    public const string Header = "fan,seconds_since_fan_start,metric,value";

    public static FanRecord Of(long fan, double seconds, string metric, double value) =>
        new(fan, seconds, metric, value.ToString("0.###", CultureInfo.InvariantCulture));

    public double Number => double.Parse(Value, NumberStyles.Float, CultureInfo.InvariantCulture);

    public string ToCsv() => string.Create(CultureInfo.InvariantCulture, $"{Fan},{Seconds:0.000},{Metric},{Value}");

    /// <summary>Parses one CSV line; the header and malformed lines are not records.</summary>
    public static bool TryParse(string line, out FanRecord record)
    {
        record = default;
        var parts = line.Split(',');
        if (parts.Length != 4
            || !long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var fan)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            || parts[2].Length == 0)
        {
            return false;
        }
        record = new FanRecord(fan, seconds, parts[2], parts[3]);
        return true;
    }

    /// <summary>Event values are free text: keep them to one CSV field.</summary>
    public static string Field(string text) => text.Replace(',', ';').Replace('\n', ' ').Trim();
}

/// <summary>The metric names of a fans CSV.</summary>
internal static class FanMetrics
{
    /// <summary>Cumulative payload kilobytes (1 kB = 1,000 bytes) received.</summary>
    public const string KiloBytes = "StreamProgressKiloBytes";

    /// <summary>Cumulative media seconds received: packets × the packet duration.</summary>
    public const string MediaSeconds = "StreamProgressSeconds";

    /// <summary>Mean send → receipt latency of the packets received since the previous sample (framed mode).</summary>
    public const string LatencyMs = "LatencyMs";

    /// <summary>Connect → first stream byte.</summary>
    public const string StartupMs = "StartupMs";

    /// <summary>A fan started (at 0 s of its own): value = when, in seconds since the run started, so a report can put every fan on one timeline.</summary>
    public const string Joined = "FanJoined";

    /// <summary>The account a fan watches as: value = its user id.</summary>
    public const string Account = "FanAccount";

    /// <summary>A fan ended before the run did (refused, cut by castd, connection failed): value = the reason.</summary>
    public const string Cut = "FanCut";

    /// <summary>Cumulative room chat messages sent and received (with <c>--chat-rate</c>).</summary>
    public const string ChatSent = "ChatSent";

    public const string ChatReceived = "ChatReceived";
}
