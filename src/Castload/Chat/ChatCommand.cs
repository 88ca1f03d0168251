using System.CommandLine;
using System.Globalization;
using Castd.Castload.Bench;
using Castd.Castload.Common;

namespace Castd.Castload.Chat;

/// <summary>
/// <c>castload chat</c>: the gochat load test. Registers its users, connects them all, then each sends direct
/// messages to random users of the population; reports delivered messages and acks per second and latency.
/// </summary>
internal static class ChatCommand
{
    /// <summary>Connections opened at once.</summary>
    private const int ConnectParallelism = 64;

    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "castd HTTP endpoint host:port", DefaultValueFactory = _ => "127.0.0.1:8080" };
        var userCount = new Option<int>("--user-count") { Description = "users (one WebSocket each) this process runs", DefaultValueFactory = _ => 10 };
        var firstUser = new Option<int>("--first-user") { Description = "number of the first user (users are chat0, chat1, …): lets several processes share one population" };
        var population = new Option<int>("--population") { Description = "recipients are drawn from chat0..chat<population-1> [default: first-user + user-count]" };
        var rate = new Option<double>("--rate") { Description = "direct messages per second per user; 0 = as fast as acks return" };
        var json = new Option<bool>("--json") { Description = "print one JSON line instead of the text report" };
        var duration = new Option<TimeSpan>("--duration") { Description = "measured time after everyone connected", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(10) };
        var command = new Command("chat", "Load-test castd's chat like gochat's load test: N users sending direct messages to each other.")
        {
            server, userCount, firstUser, population, rate, duration, json,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var count = int.Max(1, result.GetValue(userCount));
            var first = int.Max(0, result.GetValue(firstUser));
            var options = new ChatOptions(result.GetValue(server)!, count, first,
                result.GetValue(population) is > 0 and var p ? p : first + count, result.GetValue(rate), result.GetValue(duration),
                result.GetValue(json));
            return await RunAsync(options, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ChatOptions options, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Server}") };
        var users = Enumerable.Range(options.FirstUser, options.UserCount).Select(u => new ChatLoadUser(options, u)).ToList();
        await Parallel.ForAsync(options.FirstUser, options.FirstUser + options.UserCount,
            new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = cancellationToken },
            async (u, token) => (await http.PostAsync("/register", new StringContent(ChatOptions.Handle(u)), token)).EnsureSuccessStatusCode());
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = cancellationToken },
            async (user, token) => await user.ConnectAsync(token));
        Console.Error.WriteLine($"castload chat: {users.Count} users connected to {options.Server}");

        var latencies = new LatencyRecorder();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = users.Select(u => u.RunAsync(latencies, stop.Token)).ToList();
        // A second of warm-up: every user's first messages are in flight before counting starts.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var (messages0, acks0) = (users.Sum(u => u.Messages), users.Sum(u => u.Acks));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        latencies.Start();
        await Task.Delay(options.Duration, cancellationToken);
        latencies.Stop();
        clock.Stop();
        var (messages, acks) = (users.Sum(u => u.Messages) - messages0, users.Sum(u => u.Acks) - acks0);
        await stop.CancelAsync();
        await Task.WhenAll(running);

        var failed = users.Where(u => u.Failure is not null).ToList();
        ChatReport.Print(Console.Out, new ChatResult(options, users.Count, clock.Elapsed.TotalSeconds, messages, acks,
            users.Sum(u => u.Errors), failed.Count, failed.FirstOrDefault()?.Failure, latencies.Summarize()));
        return failed.Count == 0 ? 0 : 1;
    }
}
