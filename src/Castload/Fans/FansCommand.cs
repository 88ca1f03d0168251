using System.CommandLine;
using System.Threading.Channels;
using Castd.Castload.Common;

namespace Castd.Castload.Fans;

/// <summary>
/// <c>castload fans</c>: the live-event rehearsal (docs/castload.md). Keeps N fans watching a channel, joining on a ramp and
/// replaced when they end, writes their progress as CSV and shows the run live; optionally spread over SSH hosts.
/// </summary>
internal static class FansCommand
{
    public static Command Create()
    {
        var http = new Option<string>("--http") { Description = "castd HTTP endpoint host:port (registration, chat)", DefaultValueFactory = _ => "127.0.0.1:8080" };
        var stream = new Option<(string Host, int Port)>("--stream") { Description = "castd stream endpoint host:port [default: 127.0.0.1:9111]", CustomParser = Endpoints.Parse, DefaultValueFactory = _ => ("127.0.0.1", 9111) };
        var channel = new Option<string>("--channel") { Description = "channel the fans watch", DefaultValueFactory = _ => "zato01" };
        var users = new Option<int>("--users") { Description = "fans kept connected at once (over all hosts)", DefaultValueFactory = _ => 10 };
        var ramp = new Option<TimeSpan>("--ramp") { Description = "time between fans joining", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromMilliseconds(500) };
        var percentNew = new Option<double>("--percent-new") { Description = "share of fans (%) that are brand-new accounts registered as they join" };
        var existingOffset = new Option<int>("--existing-offset") { Description = "the other fans watch as pre-created accounts testfan<offset+slot>" };
        var duration = new Option<TimeSpan>("--duration") { Description = "length of the run, ramp included; 0 = until Ctrl-C", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(60) };
        var chatRate = new Option<double>("--chat-rate") { Description = "room chat messages per second per fan (0 = no chat)" };
        var raw = new Option<bool>("--raw") { Description = "raw streams instead of framed: media time from bytes, no latency" };
        var packetMs = new Option<double>("--packet-ms") { Description = "media time one packet carries", DefaultValueFactory = _ => 20 };
        var packetBytes = new Option<int>("--packet-bytes") { Description = "payload bytes a packet carries (raw mode's media clock)", DefaultValueFactory = _ => 1316 };
        var interval = new Option<TimeSpan>("--interval") { Description = "time between progress samples", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(1) };
        var lag = new Option<double>("--lag-threshold") { Description = "seconds of wall time beyond media time received that make a fan lagged", DefaultValueFactory = _ => 3 };
        var throttle = new Option<double>("--throttle-kbps") { Description = "fans read at most this many kbit/s (fans on slow links); 0 = no limit" };
        var replaceDelay = new Option<TimeSpan>("--replace-delay") { Description = "pause before a fan that ended is replaced", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(1) };
        var output = new Option<string>("--out") { Description = "CSV file (fan,seconds_since_fan_start,metric,value); - = standard output", DefaultValueFactory = _ => "-" };
        var sshHosts = new Option<string?>("--ssh-hosts") { Description = "spread the fans over these hosts (\"user@h1 user@h2\"), each running castload fans over SSH" };
        var sshOptions = new Option<string?>("--ssh-options") { Description = "extra ssh arguments, e.g. \"-p 2222 -i key\"" };
        var remoteCastload = new Option<string>("--remote-castload") { Description = "command that runs castload on the SSH hosts", DefaultValueFactory = _ => "castload" };
        var node = new Option<string>("--node") { Description = "this process's share i/n of a spread run", Hidden = true, DefaultValueFactory = _ => "0/1" };
        var runId = new Option<string?>("--run-id") { Description = "names new accounts (newfan-<run-id>-<fan>)", Hidden = true };
        var quiet = new Option<bool>("--quiet") { Description = "no live view" };

        var command = new Command("fans", "Rehearse a live event: N fans watch a channel, joining on a ramp and replaced when they end; progress as CSV, shown live.")
        {
            http, stream, channel, users, ramp, percentNew, existingOffset, duration, chatRate, raw, packetMs, packetBytes,
            interval, lag, throttle, replaceDelay, output, sshHosts, sshOptions, remoteCastload, node, runId, quiet,
        };
        percentNew.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is < 0 or > 100)
            {
                result.AddError("--percent-new must be between 0 and 100.");
            }
        });
        node.Validators.Add(result =>
        {
            if (!FanNode.TryParse(result.GetValueOrDefault<string>() ?? "", out _))
            {
                result.AddError("--node must be i/n with 0 <= i < n.");
            }
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            var (streamHost, streamPort) = result.GetValue(stream);
            FanNode.TryParse(result.GetValue(node)!, out var share);
            var options = new FansOptions(
                result.GetValue(http)!, streamHost, streamPort, result.GetValue(channel)!, int.Max(1, result.GetValue(users)),
                result.GetValue(ramp), result.GetValue(percentNew), result.GetValue(existingOffset), result.GetValue(duration),
                result.GetValue(chatRate), result.GetValue(raw), result.GetValue(packetMs), int.Max(1, result.GetValue(packetBytes)),
                result.GetValue(interval) is { Ticks: > 0 } every ? every : TimeSpan.FromSeconds(1), result.GetValue(lag),
                (long)(result.GetValue(throttle) * 1000 / 8), result.GetValue(replaceDelay), share,
                result.GetValue(runId) ?? Guid.NewGuid().ToString("N")[..8], result.GetValue(output)!, result.GetValue(quiet));
            var hosts = result.GetValue(sshHosts)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
            var ssh = hosts.Length == 0 ? null
                : new SshFanNodes(hosts, result.GetValue(sshOptions)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [], result.GetValue(remoteCastload)!);
            return await RunAsync(options, ssh, cancellationToken);
        });
        return command;
    }

    /// <summary>Runs the fans here or on the SSH hosts; every record goes to the CSV and the live board.</summary>
    private static async Task<int> RunAsync(FansOptions options, SshFanNodes? ssh, CancellationToken cancellationToken)
    {
        var records = Channel.CreateUnbounded<FanRecord>(new UnboundedChannelOptions { SingleReader = true });
        var board = new FanBoard(options.Users, options.LagSeconds, options.Interval);
        await using var csv = options.Output == "-" ? Console.Out : new StreamWriter(options.Output);
        var writing = WriteAsync(records.Reader, csv, board);
        using var displayStop = new CancellationTokenSource();
        var display = FanConsole.RunAsync(board, options, displayStop.Token);

        var exit = ssh is null
            ? await new FanCrowd(options, records.Writer).RunAsync(cancellationToken)
            : await ssh.RunAsync(options, records.Writer, cancellationToken);
        records.Writer.Complete();
        await writing;
        await displayStop.CancelAsync();
        await display;
        return exit;
    }

    /// <summary>The single consumer of the records: CSV lines, flushed whenever the queue runs dry, and the board.</summary>
    private static async Task WriteAsync(ChannelReader<FanRecord> records, TextWriter csv, FanBoard board)
    {
        await csv.WriteLineAsync(FanRecord.Header);
        while (await records.WaitToReadAsync())
        {
            while (records.TryRead(out var record))
            {
                await csv.WriteLineAsync(record.ToCsv());
                board.Add(record);
            }
            await csv.FlushAsync();
        }
    }
}
