using System.Globalization;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>A castload fans CSV, read the way an operator's script would, failing the test on any line off the grammar.</summary>
internal sealed class FansCsv
{
    public const string Header = "fan,seconds_since_fan_start,metric,value";

    /// <summary>Metrics whose value is a number; the others carry text (the account, the reason).</summary>
    private static readonly HashSet<string> NumericMetrics =
        ["StreamProgressKiloBytes", "StreamProgressSeconds", "LatencyMs", "StartupMs", "FanJoined", "ChatSent", "ChatReceived"];

    private static readonly HashSet<string> TextMetrics = ["FanAccount", "FanCut"];

    public required IReadOnlyList<Line> Lines { get; init; }

    public static FansCsv Read(string path)
    {
        var text = File.ReadAllLines(path);
        Assert.Equal(Header, text[0]);
        var lines = new List<Line>();
        foreach (var line in text.Skip(1))
        {
            var parts = line.Split(',');
            Assert.True(parts.Length == 4, $"not 4 fields: {line}");
            Assert.True(NumericMetrics.Contains(parts[2]) || TextMetrics.Contains(parts[2]), $"unknown metric: {line}");
            var value = NumericMetrics.Contains(parts[2]) ? double.Parse(parts[3], CultureInfo.InvariantCulture) : (double?)null;
            lines.Add(new Line(long.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture), parts[2], parts[3], value));
        }
        return new FansCsv { Lines = lines };
    }

    public IEnumerable<Line> Of(string metric) => Lines.Where(l => l.Metric == metric);

    /// <summary>Each fan's last line of <paramref name="metric"/>.</summary>
    public Dictionary<long, Line> Last(string metric) => Of(metric).GroupBy(l => l.Fan).ToDictionary(g => g.Key, g => g.MaxBy(l => l.Seconds)!);

    public Dictionary<long, string> Accounts => Of("FanAccount").ToDictionary(l => l.Fan, l => l.Text);

    internal sealed record Line(long Fan, double Seconds, string Metric, string Text, double? Value)
    {
        public double Number => Value ?? throw new InvalidOperationException($"{Metric} is not numeric");
    }
}
