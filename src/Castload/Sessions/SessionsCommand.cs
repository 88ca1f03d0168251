using System.CommandLine;
using Castd.Castload.Common;

namespace Castd.Castload.Sessions;

/// <summary><c>castload sessions</c>: the session-service simulator (docs/sessions.md) — PUT, then a heartbeat a second, per stream.</summary>
internal static class SessionsCommand
{
    public static Command Create()
    {
        var http = new Option<string>("--http") { Description = "castd HTTP endpoint host:port", DefaultValueFactory = _ => "127.0.0.1:8080" };
        var account = new Option<string>("--account") { Description = "the account every stream belongs to", DefaultValueFactory = _ => "seed" };
        var streams = new Option<int>("--streams") { Description = "streams to open", DefaultValueFactory = _ => 5 };
        var randomAccounts = new Option<bool>("--random-accounts") { Description = "give each stream its own random account instead" };
        var interval = new Option<TimeSpan>("--interval") { Description = "time between heartbeats", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(1) };
        var duration = new Option<TimeSpan>("--duration") { Description = "how long to keep heartbeating (then DELETE)", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(10) };

        var command = new Command("sessions", "Open sessions over HTTP like external players, heartbeat them, and print each one's fate.")
        {
            http, account, streams, randomAccounts, interval, duration,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var count = int.Max(1, result.GetValue(streams));
            var accounts = Enumerable.Range(0, count)
                .Select(_ => result.GetValue(randomAccounts) ? $"acct-{Random.Shared.Next(1_000_000):x}" : result.GetValue(account)!)
                .ToList();
            using var client = new HttpClient { BaseAddress = new Uri($"http://{result.GetValue(http)}") };
            var simulator = new SessionSimulator(client, Console.Out);
            return await simulator.RunAsync(accounts, result.GetValue(interval), result.GetValue(duration), cancellationToken);
        });
        return command;
    }
}
