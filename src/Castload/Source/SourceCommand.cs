using System.CommandLine;
using Castd.Castload.Common;
using Castd.Protocol;

namespace Castd.Castload.Source;

/// <summary><c>castload source</c>: the channel-source simulator (docs/castload.md).</summary>
internal static class SourceCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "listen address", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "listen port", DefaultValueFactory = _ => 9110 };
        var channels = new Option<string>("--channels") { Description = "comma-separated channel ids (6 characters each)", DefaultValueFactory = _ => "zato01,zato02" };
        var rate = new Option<double>("--rate") { Description = "packets per second per channel; 0 = full speed", DefaultValueFactory = _ => 50 };
        var payload = new Option<int>("--payload") { Description = "payload bytes (7 × 188 TS packets = 1316)", DefaultValueFactory = _ => 1316 };
        var reorder = new Option<int>("--reorder") { Description = "shuffle packets within blocks of this many (1 = in order)", DefaultValueFactory = _ => 1 };
        var duplicates = new Option<double>("--dup") { Description = "share of packets sent twice (0..1)", DefaultValueFactory = _ => 0 };
        var loss = new Option<double>("--loss") { Description = "share of packets never sent (0..1)", DefaultValueFactory = _ => 0 };
        var duration = new Option<TimeSpan>("--duration") { Description = "stop after this long (e.g. 30s); 0 = run until Ctrl-C", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.Zero };
        var seed = new Option<int>("--seed") { Description = "random seed for shuffle, duplicates and losses", DefaultValueFactory = _ => 1 };
        var ts = new Option<string?>("--ts") { Description = "replay this MPEG-TS file as every channel's payload, 1316-byte payloads paced by its PCR, looped (--rate and --payload do not apply)" };
        var faults = new Option<string>("--faults")
        {
            Description = $"break the stream now and then, one of these at random: all, or some of {SourceFaults.Names}; " +
                "the stream then goes on over castd's next connection, numbering continued (for one castd at a time)",
            DefaultValueFactory = _ => "",
        };
        var faultEvery = new Option<TimeSpan>("--fault-every") { Description = "mean time between faults (each gap ½ to 1½ of it)", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(3) };

        var command = new Command("source", "Simulate the channel source (docs/source.md): castd dials in and receives every channel interleaved.")
        {
            host, port, channels, rate, payload, reorder, duplicates, loss, duration, seed, ts, faults, faultEvery,
        };
        command.SetAction((result, cancellationToken) =>
        {
            if (Validate(result) is { } error)
            {
                Console.Error.WriteLine($"castload source: {error}");
                return Task.FromResult(2);
            }
            var options = new SourceOptions(
                result.GetValue(host)!, result.GetValue(port),
                [.. result.GetValue(channels)!.Split(',').Select(ChannelId.Parse)],
                result.GetValue(rate), result.GetValue(payload), result.GetValue(reorder),
                result.GetValue(duplicates), result.GetValue(loss), result.GetValue(duration), result.GetValue(seed),
                result.GetValue(ts), SourceFaults.Parse(result.GetValue(faults)!, out _)!, result.GetValue(faultEvery));
            return new SourceServer(options, Console.Out).RunAsync(cancellationToken);
        });
        return command;

        string? Validate(ParseResult result)
        {
            if (result.GetValue(payload) is < 0 or > 1 << 20)
            {
                return "--payload must be 0..1048576";
            }
            if (result.GetValue(reorder) < 1)
            {
                return "--reorder must be at least 1";
            }
            if (result.GetValue(duplicates) is < 0 or > 1 || result.GetValue(loss) is < 0 or >= 1)
            {
                return "--dup must be in 0..1 and --loss in 0..<1";
            }
            if (SourceFaults.Parse(result.GetValue(faults)!, out var unknown) is null)
            {
                return $"--faults: '{unknown}' is not a fault; use all or some of {SourceFaults.Names}";
            }
            if (result.GetValue(faultEvery) <= TimeSpan.Zero)
            {
                return "--fault-every must be more than 0";
            }
            var bad = result.GetValue(channels)!.Split(',').FirstOrDefault(id => !ChannelId.TryParse(id, out _));
            return bad is null ? null : $"channel '{bad}' is not six printable ASCII characters";
        }
    }
}
