using System.Globalization;
using Spectre.Console;

namespace Castd.Castload.Fans;

/// <summary>
/// Shows a run while it goes: a live table on a terminal, or one plain line per interval when standard error is
/// not a terminal (or the CSV itself is going to the terminal, which a live table would scramble).
/// </summary>
internal static class FanConsole
{
    public static async Task RunAsync(FanBoard board, FansOptions options, CancellationToken stop)
    {
        if (options.Quiet)
        {
            return;
        }
        var live = !Console.IsErrorRedirected && (options.Output != "-" || Console.IsOutputRedirected);
        var started = DateTime.UtcNow;
        try
        {
            if (live)
            {
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
                await console.Live(Table(board.Snapshot(), TimeSpan.Zero)).StartAsync(async context =>
                {
                    using var timer = new PeriodicTimer(options.Interval);
                    while (await WaitAsync(timer, stop))
                    {
                        context.UpdateTarget(Table(board.Snapshot(), DateTime.UtcNow - started));
                    }
                });
            }
            else
            {
                using var timer = new PeriodicTimer(options.Interval);
                while (await WaitAsync(timer, stop))
                {
                    await Console.Error.WriteLineAsync(Line(board.Snapshot(), DateTime.UtcNow - started));
                }
            }
        }
        finally
        {
            await Console.Error.WriteLineAsync(Line(board.Snapshot(), DateTime.UtcNow - started));
        }
    }

    /// <summary>The summary as one line, e.g. for logs: also printed once when the run ends.</summary>
    public static string Line(FanBoardSnapshot s, TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture,
        $"castload fans: {elapsed.TotalSeconds:0}s fans {s.Connected}/{s.Target} (started {s.Started}) lagged {s.Lagged}/{s.Connected} " +
        $"{s.TotalMegabitsPerSecond:0.00} Mbit/s per-fan kbit/s min/median/max {Whole(s.MinKilobitsPerSecond)}/{Whole(s.MedianKilobitsPerSecond)}/{Whole(s.MaxKilobitsPerSecond)} " +
        $"startup-median-ms {Whole(s.StartupMedianMs)} cut {s.CutCount}{string.Concat(s.Cuts.Select(c => $" [{c.Reason}: {c.Count}]"))}");

    private static Table Table(FanBoardSnapshot s, TimeSpan elapsed)
    {
        var table = new Table().Title($"castload fans — {elapsed.TotalSeconds:0} s").HideHeaders().AddColumn("").AddColumn(new TableColumn("").RightAligned());
        table.AddRow("fans connected / target", $"{s.Connected} / {s.Target}  (started {s.Started})");
        table.AddRow("fans lagged (> lag threshold)", s.Lagged == 0 ? "[green]0[/]" : $"[red]{s.Lagged}[/] / {s.Connected}");
        table.AddRow("bitrate, all fans", string.Create(CultureInfo.InvariantCulture, $"{s.TotalMegabitsPerSecond:0.00} Mbit/s"));
        table.AddRow("bitrate per fan min / median / max",
            $"{Whole(s.MinKilobitsPerSecond)} / {Whole(s.MedianKilobitsPerSecond)} / {Whole(s.MaxKilobitsPerSecond)} kbit/s");
        table.AddRow("startup median (connect → first byte)", $"{Whole(s.StartupMedianMs)} ms");
        table.AddRow("fans cut", s.CutCount == 0 ? "[green]0[/]" : $"[red]{s.CutCount}[/]");
        foreach (var (reason, count) in s.Cuts)
        {
            table.AddRow($"  {Markup.Escape(reason)}", count.ToString(CultureInfo.InvariantCulture));
        }
        return table;
    }

    private static string Whole(double? value) => value?.ToString("0", CultureInfo.InvariantCulture) ?? "-";

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
