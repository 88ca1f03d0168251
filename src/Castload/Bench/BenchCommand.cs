using System.CommandLine;
using Castd.Castload.Common;

namespace Castd.Castload.Bench;

/// <summary><c>castload bench fanout</c>: one publisher, N subscribers, against castd or a peer, with throughput and latency.</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks that compare castd with its peers on the same machine.") { CreateFanout() };

    private static Command CreateFanout()
    {
        var target = new Option<FanoutTarget>("--target") { Description = "castd, redis, nats, or ceiling (a minimal in-process writer: the loopback limit)", Required = true };
        var host = new Option<string>("--host") { Description = "the target's address", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "the target's port [default: castd 9111, redis 6379, nats 4222]" };
        var sourcePort = new Option<int>("--source-port") { Description = "castd: port castload listens on as the channel source castd dials", DefaultValueFactory = _ => 9110 };
        var user = new Option<string>("--user") { Description = "castd: registered user every viewer watches as", DefaultValueFactory = _ => "bench" };
        var subscribers = new Option<int>("--subscribers") { Description = "subscriber connections", DefaultValueFactory = _ => 10 };
        var payload = new Option<int>("--payload") { Description = "payload bytes per message (at least 16: the stamp)", DefaultValueFactory = _ => 1316 };
        var rate = new Option<double>("--rate") { Description = "messages per second published; 0 = max rate (flow-controlled by the slowest subscriber)" };
        var warmup = new Option<TimeSpan>("--warmup") { Description = "unmeasured time after the publisher starts", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(1) };
        var duration = new Option<TimeSpan>("--duration") { Description = "measured time", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(5) };
        var behind = new Option<TimeSpan>("--behind") { Description = "a subscriber lagging real time by more than this has fallen behind", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(1) };
        var window = new Option<int>("--window-bytes") { Description = "max rate: payload bytes the publisher may run ahead of the slowest subscriber", DefaultValueFactory = _ => 512 * 1024 };
        var json = new Option<bool>("--json") { Description = "print one JSON line instead of the text report" };

        var command = new Command("fanout", "One publisher and N subscribers of one channel; reports delivered messages/s, bytes/s and end-to-end latency.")
        {
            target, host, port, sourcePort, user, subscribers, payload, rate, warmup, duration, behind, window, json,
        };
        payload.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 16)
            {
                result.AddError("--payload must be at least 16 bytes: the sequence and send time lead every payload.");
            }
        });
        subscribers.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--subscribers must be at least 1.");
            }
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            var chosen = result.GetValue(target);
            var options = new FanoutOptions(
                chosen, result.GetValue(host)!, result.GetValue(port) is > 0 and var p ? p : DefaultPort(chosen),
                result.GetValue(sourcePort), result.GetValue(user)!, result.GetValue(subscribers), result.GetValue(payload),
                result.GetValue(rate), result.GetValue(warmup), result.GetValue(duration), result.GetValue(behind),
                result.GetValue(window), result.GetValue(json));
            var outcome = await new FanoutRun(options, Console.Error).RunAsync(cancellationToken);
            FanoutReport.Print(Console.Out, outcome);
            return outcome.Connected == 0 ? 1 : 0;
        });
        return command;
    }

    private static int DefaultPort(FanoutTarget target) => target switch
    {
        FanoutTarget.Redis => 6379,
        FanoutTarget.Nats => 4222,
        _ => 9111,
    };
}
