using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Castd.Castload.Bench;
using Castd.Castload.Common;

namespace Castd.Castload.View;

/// <summary><c>castload view</c>: one or many viewers of a channel, with a summary of what they received.</summary>
internal static class ViewCommand
{
    public static Command Create()
    {
        var stream = new Option<(string Host, int Port)>("--stream") { Description = "castd stream endpoint host:port [default: 127.0.0.1:9111]", CustomParser = Endpoints.Parse, DefaultValueFactory = _ => ("127.0.0.1", 9111) };
        var user = new Option<string>("--user") { Description = "registered user id; {i} is replaced by the viewer's number (0..count-1)", Required = true };
        var channel = new Option<string>("--channel") { Description = "channel id (6 characters); a comma-separated list spreads the viewers over them round-robin", Required = true };
        var framed = new Option<bool>("--framed") { Description = "ask for framed mode: checks order, gaps, content and latency" };
        var fastStart = new Option<bool>("--faststart") { Description = "ask for fast start: the channel's latest group of pictures first, so a player shows a frame at once" };
        var count = new Option<int>("--count") { Description = "parallel viewers (load test)", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out") { Description = "save the stream to this file (one viewer only)" };
        var duration = new Option<TimeSpan>("--duration") { Description = "how long to watch (e.g. 10s); 0 = until the stream ends", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.Zero };

        var ramp = new Option<TimeSpan>("--ramp") { Description = "time between viewers joining (e.g. 10ms); 0 = all at once", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.Zero };
        var token = new Option<string?>("--token") { Description = "the viewer's token when castd asks for them (castd token --user U makes one), sent as the word token=" };
        var marks = new Option<bool>("--marks") { Description = "measure in intervals driven by stdin: each line ends the current interval (printing it as one JSON line) and starts one named by the line; latency is recorded only from the first line on, the end of stdin stops the run" };

        var command = new Command("view", "Watch a channel like a viewer (docs/viewers.md), alone or as a crowd, and report throughput.")
        {
            stream, user, channel, framed, fastStart, count, output, duration, ramp, marks, token,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var (host, port) = result.GetValue(stream);
            var options = new ViewOptions(host, port,
                result.GetValue(user)!, result.GetValue(channel)!, result.GetValue(framed),
                int.Max(1, result.GetValue(count)), result.GetValue(output), result.GetValue(duration), result.GetValue(ramp), result.GetValue(fastStart), result.GetValue(marks),
                result.GetValue(token));
            return await RunAsync(options, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ViewOptions options, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Duration > TimeSpan.Zero)
        {
            stop.CancelAfter(options.Duration);
        }
        await using var file = options.Output is null ? null : File.Create(options.Output);
        var latencies = new LatencyRecorder();
        var upstream = new LatencyRecorder();
        var channels = options.Channel.Split(',');
        var viewers = Enumerable.Range(0, options.Count)
            .Select(i => new StreamViewer(new ViewerRequest(options.Host, options.Port,
                options.User.Replace("{i}", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), channels[i % channels.Length], options.Framed, FastStart: options.FastStart, Token: options.Token),
                file, latencies, upstream))
            .ToList();
        // Console.In reads block their thread: the marks get a thread-pool thread of their own.
        var intervals = options.Marks ? Task.Run(() => ViewIntervals.RunAsync(Console.In, Console.Out, viewers, latencies, upstream, stop), CancellationToken.None) : null;
        if (intervals is null)
        {
            latencies.Start();
        }
        var clock = Stopwatch.StartNew();
        var running = new List<Task>(viewers.Count);
        foreach (var viewer in viewers)
        {
            running.Add(viewer.RunAsync(stop.Token));
            if (options.Ramp > TimeSpan.Zero)
            {
                await Task.Delay(options.Ramp, CancellationToken.None);
            }
        }
        await Task.WhenAll(running);
        latencies.Stop();
        var seconds = clock.Elapsed.TotalSeconds;
        var latency = intervals is null ? latencies.Summarize() : LatencySummary.Of(await intervals);
        return ViewReport.Print(Console.Out, options, viewers.Select(v => v.Result).ToList(), latency, seconds);
    }
}
