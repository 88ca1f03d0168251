using System.Diagnostics;
using System.Text.Json;
using Castd.Castload.Bench;
using HdrHistogram;

namespace Castd.Castload.View;

/// <summary>
/// <c>castload view --marks</c>: a script that alternates conditions around one long-lived crowd (a clean phase, an
/// abused phase, ...) marks each boundary with a line on stdin, and gets each phase's figures as one JSON line on
/// stdout, so the phases compare the same viewers on the same connections. Latency is recorded from the first mark
/// on, which keeps the crowd's connect ramp out of every interval. Each line also has the upstream part of it
/// (<c>upstreamP99Ms</c>…: castload's send to castd's receive time), so a delay shows on which side of castd's read it lies.
/// </summary>
internal static class ViewIntervals
{
    /// <returns>Every interval's latencies together, in microseconds.</returns>
    public static async Task<LongHistogram> RunAsync(TextReader input, TextWriter output, IReadOnlyList<StreamViewer> viewers, LatencyRecorder latencies, LatencyRecorder upstream, CancellationTokenSource stop)
    {
        var total = LatencyRecorder.NewHistogram();
        string? label = null;
        var clock = Stopwatch.StartNew();
        var packets = 0L;
        var gaps = 0L;
        while (true)
        {
            var line = await input.ReadLineAsync(CancellationToken.None);
            var interval = latencies.TakeInterval();
            var upstreamInterval = upstream.TakeInterval();
            var (packetsNow, gapsNow) = (viewers.Sum(v => v.Result.Packets), viewers.Sum(v => v.Result.Gaps));
            if (label is not null)
            {
                total.Add(interval);
                Print(output, label, clock.Elapsed.TotalSeconds, packetsNow - packets, gapsNow - gaps, LatencySummary.Of(interval), LatencySummary.Of(upstreamInterval), viewers);
            }
            if (line is null)
            {
                await stop.CancelAsync();
                return total;
            }
            (label, packets, gaps) = (line.Trim(), packetsNow, gapsNow);
            clock.Restart();
            latencies.Start();
            upstream.Start();
        }
    }

    private static void Print(TextWriter output, string label, double seconds, long packets, long gaps, LatencySummary latency, LatencySummary upstream, IReadOnlyList<StreamViewer> viewers)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("interval", label);
            json.WriteNumber("seconds", seconds);
            json.WriteNumber("packets", packets);
            json.WriteNumber("gaps", gaps);
            latency.WriteTo(json);
            upstream.WriteTo(json, "upstream");
            // Since the start of the run: a viewer cut in any interval stays counted.
            json.WriteNumber("refused", viewers.Count(v => v.Result.Refusal is not null));
            json.WriteNumber("closedByCastd", viewers.Count(v => v.Result.ClosedByServer));
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        output.Flush();
    }
}
