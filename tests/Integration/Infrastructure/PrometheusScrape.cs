using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>Reads Prometheus text scrapes, validates them with promtool, and lists a Grafana dashboard's expressions.</summary>
internal static class PrometheusScrape
{
    /// <summary>Every sample's metric name (histograms give their _bucket, _sum and _count).</summary>
    public static HashSet<string> FamilyNames(string scrape) =>
        [.. scrape.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l[..l.IndexOfAny(['{', ' '])])];

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels contain every fragment given (e.g. <c>channel="met001"</c>).</summary>
    public static double Value(string scrape, string name, params string[] labels)
    {
        var line = scrape.Split('\n').Single(l => (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            && labels.All(label => l.Contains(label, StringComparison.Ordinal)));
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>Debian's promtool (package prometheus, installed by scripts/test.sh): exit code and what it printed.</summary>
    public static async Task<(int Exit, string Output)> PromtoolAsync(string scrape)
    {
        Assert.True(File.Exists("/usr/bin/promtool"), "promtool missing: scripts/test.sh installs Debian's prometheus package");
        var info = new ProcessStartInfo("/usr/bin/promtool", ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync(scrape);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output.Trim());
    }

    /// <summary>Every panel target's PromQL in a dashboard under packaging/grafana.</summary>
    public static async Task<List<string>> DashboardExpressionsAsync(string fileName)
    {
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "packaging", "grafana", fileName)));
        return [.. dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)];
    }
}
