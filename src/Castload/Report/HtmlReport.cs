using System.Globalization;
using System.Net;
using System.Text;

namespace Castd.Castload.Report;

/// <summary>One self-contained HTML page for a fans run: a summary table and four charts, all inline.</summary>
internal static class HtmlReport
{
    private const string Style = """
        body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
        table { border-collapse: collapse; margin-bottom: 20px; }
        td, th { border-bottom: 1px solid #ddd; padding: 4px 12px; text-align: left; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; }
        svg.chart { display: block; margin: 8px 0 24px; }
        svg text { font: 12px system-ui, sans-serif; fill: #333; }
        svg text.title { font-weight: 600; font-size: 14px; }
        svg .grid { stroke: #e5e5e5; }
        svg .frame { fill: none; stroke: #999; }
        svg .series { fill: none; stroke-width: 2; }
        """;

    public static string Render(FanRun run, string title, string source)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{WebUtility.HtmlEncode(title)}</title><style>{Style}</style></head>
            <body><h1>{WebUtility.HtmlEncode(title)}</h1>
            <p>From <code>{WebUtility.HtmlEncode(source)}</code>, made by <code>castload report</code>; time is seconds since the run started, in {run.BucketSeconds:0.###} s buckets.</p>
            """);
        html.Append(Summary(run));
        var buckets = run.Buckets;
        html.Append(new SvgLineChart("chart-bitrate", "Aggregate bitrate", "run time, s", "Mbit/s")
            .Add("all fans", "#1f77b4", buckets.Select(b => (b.Start, (double?)b.TotalMegabitsPerSecond)))
            .ToSvg());
        html.Append(new SvgLineChart("chart-spread", "Bitrate per fan", "run time, s", "kbit/s")
            .Add("max", "#d62728", buckets.Select(b => (b.Start, FanRun.Quantile(b.FanKilobitsPerSecond, 1))))
            .Add("p90", "#ff7f0e", buckets.Select(b => (b.Start, FanRun.Quantile(b.FanKilobitsPerSecond, 0.9))))
            .Add("median", "#2ca02c", buckets.Select(b => (b.Start, FanRun.Quantile(b.FanKilobitsPerSecond, 0.5))))
            .Add("p10", "#9467bd", buckets.Select(b => (b.Start, FanRun.Quantile(b.FanKilobitsPerSecond, 0.1))))
            .Add("min", "#8c564b", buckets.Select(b => (b.Start, FanRun.Quantile(b.FanKilobitsPerSecond, 0))))
            .ToSvg());
        html.Append(new SvgLineChart("chart-fans", "Fans connected and lagged", "run time, s", "fans")
            .Add("connected", "#1f77b4", buckets.Select(b => (b.Start, (double?)b.Connected)))
            .Add(string.Create(CultureInfo.InvariantCulture, $"lagged > {run.LagSeconds:0.#} s"), "#d62728", buckets.Select(b => (b.Start, (double?)b.Lagged)))
            .ToSvg());
        html.Append(new SvgLineChart("chart-latency", "Delivery latency across fans", "run time, s", "ms")
            .Add("p99", "#d62728", buckets.Select(b => (b.Start, FanRun.Quantile(b.LatenciesMs, 0.99))))
            .Add("p90", "#ff7f0e", buckets.Select(b => (b.Start, FanRun.Quantile(b.LatenciesMs, 0.9))))
            .Add("p50", "#2ca02c", buckets.Select(b => (b.Start, FanRun.Quantile(b.LatenciesMs, 0.5))))
            .ToSvg());
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static string Summary(FanRun run)
    {
        var buckets = run.Buckets;
        var busy = buckets.Where(b => b.Connected > 0).ToList();
        var (startups, latencies) = (run.StartupsMs, run.LatenciesMs);
        List<(string Name, string Value)> rows =
        [
            ("run length", $"{(buckets.Count == 0 ? 0 : buckets[^1].Start + run.BucketSeconds):0} s"),
            ("fans started (replacements included)", $"{run.FansStarted}"),
            ("of them brand-new accounts", $"{run.NewAccounts}"),
            ("peak fans connected", $"{(buckets.Count == 0 ? 0 : buckets.Max(b => b.Connected))}"),
            ("fans cut", $"{run.Cuts.Sum(c => c.Count)}"),
            .. run.Cuts.Select(c => ($"  {c.Reason}", $"{c.Count}")),
            ($"fans ever lagged (> {run.LagSeconds:0.#} s)", $"{run.FansEverLagged}"),
            ("peak fans lagged at once", $"{(buckets.Count == 0 ? 0 : buckets.Max(b => b.Lagged))}"),
            ("data received", $"{run.TotalMegabytes:0.0} MB"),
            ("mean aggregate bitrate", busy.Count == 0 ? "-" : $"{busy.Average(b => b.TotalMegabitsPerSecond):0.00} Mbit/s"),
            ("startup (connect → first byte) p50 / p99", $"{Ms(FanRun.Quantile(startups, 0.5))} / {Ms(FanRun.Quantile(startups, 0.99))} ms"),
            ("delivery latency p50 / p99", $"{Ms(FanRun.Quantile(latencies, 0.5))} / {Ms(FanRun.Quantile(latencies, 0.99))} ms"),
        ];
        var table = new StringBuilder("<table id=\"summary\"><tr><th>summary</th><th></th></tr>");
        foreach (var (name, value) in rows)
        {
            table.Append(CultureInfo.InvariantCulture, $"<tr><td>{WebUtility.HtmlEncode(name)}</td><td class=\"n\">{WebUtility.HtmlEncode(value)}</td></tr>");
        }
        return table.Append("</table>").ToString();

        static string Ms(double? ms) => ms?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-";
    }
}
