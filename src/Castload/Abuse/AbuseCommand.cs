using System.CommandLine;
using System.Net;
using System.Text.Json;
using Castd.Castload.Common;

namespace Castd.Castload.Abuse;

/// <summary>
/// <c>castload abuse</c>: hostile viewer traffic against castd's stream port (issue 9), all at once for a bounded
/// time: a connect storm, slowloris, overlong and binary request lines, viewers that never read, half-open sockets.
/// Prints <c>half-open ready</c> once the half-open connections stand (the caller then drops their packets), and at
/// the end one JSON line of everything it did and every answer castd gave, for matching against castd's counters.
/// </summary>
internal static class AbuseCommand
{
    public static Command Create()
    {
        var stream = new Option<(string Host, int Port)>("--stream") { Description = "castd stream endpoint host:port (an IP address)", CustomParser = Endpoints.Parse, DefaultValueFactory = _ => ("127.0.0.1", 9111) };
        var user = new Option<string>("--user") { Description = "registered user the valid request lines watch as", Required = true };
        var channels = new Option<string>("--channels") { Description = "comma-separated live channels the valid request lines ask for", Required = true };
        var duration = new Option<TimeSpan>("--duration") { Description = "how long the abuse lasts; everything is closed at its end", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(20) };
        var stormRate = new Option<int>("--storm-rate") { Description = "connects per second of the storm (half close at once, half send a request line and close)", DefaultValueFactory = _ => 10_000 };
        var stormDuration = new Option<TimeSpan>("--storm-duration") { Description = "how long the storm lasts", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(5) };
        var stormAddresses = new Option<int>("--storm-addresses") { Description = "loopback source addresses the storm spreads over, from 127.1.0.0 (1-65536)", DefaultValueFactory = _ => 16 };
        var slowloris = new Option<int>("--slowloris") { Description = "connections held without a request line (reopened when castd closes them)", DefaultValueFactory = _ => 1000 };
        var badLines = new Option<int>("--bad-lines-rate") { Description = "overlong and binary request lines per second", DefaultValueFactory = _ => 200 };
        var nonReaders = new Option<int>("--non-readers") { Description = "viewers that complete the handshake (framed) and never read", DefaultValueFactory = _ => 100 };
        var halfOpen = new Option<int>("--half-open") { Description = "connections to leave half-open: half subscribed viewers, half before the handshake", DefaultValueFactory = _ => 200 };
        var halfOpenFrom = new Option<string>("--half-open-from") { Description = "source address of the half-open connections (a firewall rule on it silences them)", DefaultValueFactory = _ => "127.0.0.66" };
        var token = new Option<string?>("--token") { Description = "the user's token when castd asks for them (castd token --user U makes one), on every valid request line" };
        var stormToken = new Option<string?>("--storm-token") { Description = "the storm's token instead of --token: a forged or expired one makes a storm of bad tokens" };

        var command = new Command("abuse", "Hostile viewers against castd's stream port for a while; one JSON line of what was done and what castd answered.")
        {
            stream, user, channels, duration, stormRate, stormDuration, stormAddresses, slowloris, badLines, nonReaders, halfOpen, halfOpenFrom, token, stormToken,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var (host, port) = result.GetValue(stream);
            var options = new AbuseOptions(
                new IPEndPoint(IPAddress.Parse(host), port), result.GetValue(user)!, result.GetValue(channels)!.Split(','),
                result.GetValue(duration), result.GetValue(stormRate), result.GetValue(stormDuration), Math.Clamp(result.GetValue(stormAddresses), 1, 65536), result.GetValue(slowloris),
                result.GetValue(badLines), result.GetValue(nonReaders), result.GetValue(halfOpen), IPAddress.Parse(result.GetValue(halfOpenFrom)!),
                result.GetValue(token), result.GetValue(stormToken));
            await RunAsync(options, Console.Out, cancellationToken);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(AbuseOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var tally = new AbuseTally();
        // The held connections stand before the storm starts, so the half-open ones are in place for the whole run.
        var nonReaders = await HeldConnections.OpenAsync(options.Stream, null, options.NonReaders, i => options.RequestLine(i, framed: true), "nonreader", tally, cancellationToken);
        var halfOpen = await HeldConnections.OpenAsync(options.Stream, options.HalfOpenFrom, options.HalfOpen,
            i => i % 2 == 0 ? options.RequestLine(i / 2, framed: true) : null, "halfopen", tally, cancellationToken);
        output.WriteLine("half-open ready");
        output.Flush();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(options.Duration);
        var storm = new ConnectStorm(options, tally).RunAsync(stop.Token);
        var badLines = new BadLines(options, tally).RunAsync(stop.Token);
        await new Slowloris(options, tally).RunAsync(stop.Token);
        var (stormStarted, stormSeconds) = await storm;
        await badLines;
        foreach (var socket in nonReaders.Concat(halfOpen))
        {
            socket.Dispose();
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("stormStarted", stormStarted);
            json.WriteNumber("stormSeconds", stormSeconds);
            tally.WriteTo(json);
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
