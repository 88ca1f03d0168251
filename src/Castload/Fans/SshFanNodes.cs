using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Castd.Castload.Fans;

/// <summary>
/// A run spread over machines: every host runs <c>castload fans</c> over SSH with its share of the users and ramp
/// (<c>--node i/n</c>), writes its CSV to standard output, and the lines come back here into one stream.
/// </summary>
/// <param name="sshOptions">Extra ssh arguments (port, identity, host-key policy), already split.</param>
/// <param name="remoteCastload">The command that runs castload on the hosts, e.g. "castload" or "dotnet /opt/castload.dll".</param>
internal sealed class SshFanNodes(IReadOnlyList<string> hosts, IReadOnlyList<string> sshOptions, string remoteCastload)
{
    /// <returns>0 when every node finished its run, 1 otherwise.</returns>
    public async Task<int> RunAsync(FansOptions options, ChannelWriter<FanRecord> records, CancellationToken cancellationToken)
    {
        var exits = await Task.WhenAll(hosts.Select((host, i) => RunNodeAsync(host, options with { Node = new FanNode(i, hosts.Count) }, records, cancellationToken)));
        return exits.All(exit => exit == 0) ? 0 : 1;
    }

    private async Task<int> RunNodeAsync(string host, FansOptions node, ChannelWriter<FanRecord> records, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ssh") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var option in sshOptions)
        {
            start.ArgumentList.Add(option);
        }
        start.ArgumentList.Add(host);
        // ssh hands the remote shell one string: quote every argument for it.
        start.ArgumentList.Add($"{remoteCastload} fans {string.Join(' ', NodeArguments(node).Select(ShellQuote))}");
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        using var kill = cancellationToken.Register(() => process.Kill(entireProcessTree: true));
        var errors = ForwardErrorsAsync(host, process.StandardError);
        while (await process.StandardOutput.ReadLineAsync(CancellationToken.None) is { } line)
        {
            if (FanRecord.TryParse(line, out var record))
            {
                records.TryWrite(record);
            }
        }
        await errors;
        await process.WaitForExitAsync(CancellationToken.None);
        if (process.ExitCode != 0)
        {
            await Console.Error.WriteLineAsync($"castload fans: node {host} exited with {process.ExitCode}");
        }
        return process.ExitCode;
    }

    /// <summary>The node's command line: the run's settings, its share, the run id, CSV to stdout, no live view.</summary>
    private static IEnumerable<string> NodeArguments(FansOptions o)
    {
        string[] arguments =
        [
            "--http", o.Http, "--stream", $"{o.StreamHost}:{o.StreamPort}", "--channel", o.Channel,
            "--users", Number(o.Users), "--ramp", Ms(o.Ramp), "--percent-new", Number(o.PercentNew),
            "--existing-offset", Number(o.ExistingOffset), "--duration", Ms(o.Duration), "--chat-rate", Number(o.ChatRate),
            "--packet-ms", Number(o.PacketMs), "--packet-bytes", Number(o.PacketBytes), "--interval", Ms(o.Interval),
            "--lag-threshold", Number(o.LagSeconds), "--throttle-kbps", Number(o.ReadBytesPerSecond * 8 / 1000.0),
            "--replace-delay", Ms(o.ReplaceDelay), "--node", o.Node.ToString(), "--run-id", o.RunId, "--out", "-", "--quiet",
        ];
        return o.Raw ? [.. arguments, "--raw"] : arguments;

        static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
        static string Ms(TimeSpan value) => Number(value.TotalMilliseconds) + "ms";
    }

    private static string ShellQuote(string argument) => $"'{argument.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    private static async Task ForwardErrorsAsync(string host, StreamReader errors)
    {
        while (await errors.ReadLineAsync() is { } line)
        {
            await Console.Error.WriteLineAsync($"[{host}] {line}");
        }
    }
}
