using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Castd.Castload.Common;

namespace Castd.Castload.FirstFrame;

/// <summary>
/// <c>castload firstframe</c>: time to first decoded frame over many joins at random moments (docs/playback.md, fast start).
/// Progress on stderr, one JSON summary on stdout (milliseconds), for bench scripts.
/// </summary>
internal static class FirstFrameCommand
{
    public static Command Create()
    {
        var stream = new Option<(string Host, int Port)?>("--stream") { Description = "castd stream endpoint host:port (TCP viewer)", CustomParser = r => Endpoints.Parse(r) };
        var http = new Option<(string Host, int Port)?>("--http") { Description = "castd HTTP endpoint host:port (GET /live/<channel>.ts)", CustomParser = r => Endpoints.Parse(r) };
        var user = new Option<string>("--user") { Description = "registered user id", Required = true };
        var channel = new Option<string>("--channel") { Description = "channel id (6 characters)", Required = true };
        var fastStart = new Option<bool>("--faststart") { Description = "TCP: ask for fast start (the faststart handshake word)" };
        var joins = new Option<int>("--joins") { Description = "joins to time, one after the other", DefaultValueFactory = _ => 50 };
        var spread = new Option<TimeSpan>("--spread") { Description = "random wait before each join, up to this (e.g. one GOP: 2s)", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(2) };
        var timeout = new Option<TimeSpan>("--timeout") { Description = "give up on a join after this long", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(10) };
        var token = new Option<string?>("--token") { Description = "the user's token when castd asks for them (castd token --user U makes one)" };
        var seed = new Option<int>("--seed") { Description = "seed of the random waits (same seed, same join moments)", DefaultValueFactory = _ => 1 };
        var command = new Command("firstframe", "Time from connect to the first decoded video frame over many joins (ffmpeg decodes), with or without fast start.")
        {
            stream, http, user, channel, fastStart, joins, spread, timeout, seed, token,
        };
        command.Validators.Add(r =>
        {
            if ((r.GetValue(stream) is null) == (r.GetValue(http) is null))
            {
                r.AddError("give exactly one of --stream and --http");
            }
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            var useHttp = result.GetValue(http) is not null;
            var (host, port) = (useHttp ? result.GetValue(http) : result.GetValue(stream))!.Value;
            var options = new FirstFrameOptions(host, port, useHttp, result.GetValue(user)!, result.GetValue(channel)!,
                result.GetValue(fastStart), int.Max(1, result.GetValue(joins)), result.GetValue(spread), result.GetValue(timeout), result.GetValue(seed),
                result.GetValue(token));
            return await RunAsync(options, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(FirstFrameOptions options, CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed);
        var times = new List<double>(options.Joins);
        var failures = 0;
        for (var i = 0; i < options.Joins; i++)
        {
            await Task.Delay(options.Spread * random.NextDouble(), cancellationToken);
            try
            {
                var elapsed = await FirstFrameProbe.MeasureAsync(options, cancellationToken);
                times.Add(elapsed.TotalMilliseconds);
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"join {i + 1}/{options.Joins}: first frame after {elapsed.TotalMilliseconds:0.0} ms"));
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or System.Net.Sockets.SocketException && !cancellationToken.IsCancellationRequested)
            {
                failures++;
                await Console.Error.WriteLineAsync($"join {i + 1}/{options.Joins}: failed: {ex.Message}");
            }
        }
        times.Sort();
        var summary = new Dictionary<string, object>
        {
            ["joins"] = times.Count,
            ["failures"] = failures,
            ["meanMs"] = times.Count == 0 ? 0 : Math.Round(times.Average(), 1),
            ["p50Ms"] = Percentile(times, 0.50),
            ["p90Ms"] = Percentile(times, 0.90),
            ["p99Ms"] = Percentile(times, 0.99),
            ["maxMs"] = times.Count == 0 ? 0 : Math.Round(times[^1], 1),
            ["timesMs"] = times.Select(t => Math.Round(t, 1)).ToList(),
        };
        Console.WriteLine(JsonSerializer.Serialize(summary));
        return failures == 0 ? 0 : 1;
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : Math.Round(sorted[int.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)], 1);
}
