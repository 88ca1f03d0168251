using System.CommandLine;
using Castd.Castload.Common;
using Castd.Castload.Fans;

namespace Castd.Castload.Report;

/// <summary><c>castload report</c>: a fans CSV → one self-contained HTML page of plots and a summary table.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--in") { Description = "fans CSV (castload fans --out); - = standard input", DefaultValueFactory = _ => "-" };
        var output = new Option<string>("--out") { Description = "HTML file to write", DefaultValueFactory = _ => "fans-report.html" };
        var title = new Option<string>("--title") { Description = "the page's title", DefaultValueFactory = _ => "castload fans report" };
        var bucket = new Option<TimeSpan>("--bucket") { Description = "time slice the charts aggregate over", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(1) };
        var lag = new Option<double>("--lag-threshold") { Description = "seconds of wall time beyond media time that make a fan lagged", DefaultValueFactory = _ => 3 };
        var command = new Command("report", "Turn a castload fans CSV into an HTML report: bitrate, per-fan spread, fans connected and lagged, latency.")
        {
            input, output, title, bucket, lag,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var path = result.GetValue(input)!;
            using var reader = path == "-" ? new StreamReader(Console.OpenStandardInput()) : new StreamReader(path);
            var records = new List<FanRecord>();
            var skipped = 0;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (FanRecord.TryParse(line, out var record))
                {
                    records.Add(record);
                }
                else if (line != FanRecord.Header && line.Length > 0)
                {
                    skipped++;
                }
            }
            var seconds = result.GetValue(bucket) is { Ticks: > 0 } slice ? slice.TotalSeconds : 1;
            var run = FanRun.Build(records, seconds, result.GetValue(lag));
            await File.WriteAllTextAsync(result.GetValue(output)!, HtmlReport.Render(run, result.GetValue(title)!, path), cancellationToken);
            Console.WriteLine($"castload report: {records.Count} lines of {run.FansStarted} fans → {result.GetValue(output)}" +
                (skipped > 0 ? $" ({skipped} malformed lines skipped)" : ""));
            return records.Count == 0 ? 1 : 0;
        });
        return command;
    }
}
