using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary><c>castd doctor</c> on this machine's real kernel limits: verdicts, exit codes, and a running castd's config.</summary>
public sealed class DoctorTests
{
    [Theory]
    [InlineData("--viewers", "x")]
    [InlineData("--viewers")]
    [InlineData("--pid", "0")]
    [InlineData("--bogus")]
    public async Task BadArgument_ExitsWithCode2AndTheUsage(params string[] args)
    {
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastdDll, ["doctor", .. args]);
        Assert.Equal(2, exit);
        Assert.Contains($"bad argument '{string.Join(' ', args)}'; usage: castd doctor [--viewers N] [--pid PID]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoSuchProcess_ExitsWithCode2()
    {
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastdDll, ["doctor", "--pid", "2147483647"]);
        Assert.Equal(2, exit);
        Assert.Contains("castd doctor: no process 2147483647", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryLimitGetsOneVerdict_AndTheExitCodeFollowsThem()
    {
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastdDll, ["doctor", "--viewers", "1"]);
        var verdicts = Regex.Matches(output, @"^(OK  |WARN)  (\S+)", RegexOptions.Multiline);
        Assert.Equal(
            ["open", "open", "fs.nr_open", "fs.file-max", "net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog", "net.ipv4.ip_local_port_range", "auth"],
            verdicts.Select(v => v.Groups[2].Value));
        Assert.Equal(verdicts.Any(v => v.Groups[1].Value == "WARN") ? 1 : 0, exit);
    }

    [Fact]
    public async Task MoreViewersThanTheKernelCanGiveDescriptors_Warns()
    {
        // fs.nr_open cannot exceed 2^30 - 64 (the kernel's own cap), so 1.5 billion viewers never fit.
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastdDll, ["doctor", "--viewers", "1500000000"]);
        Assert.Equal(1, exit);
        Assert.Matches(@"(?m)^WARN  fs\.nr_open +\d+  need >= 1500004096", output);
        Assert.Matches(@"(?m)^WARN  open files \(hard\)", output);
    }

    [Fact]
    public async Task RunningCastd_StreamPortInTheEphemeralRange_WarnsWithItsPort()
    {
        // FreePorts stays below the kernel's ephemeral range; the stream port here is one the kernel picked inside it.
        int ephemeral;
        using (var probe = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            ephemeral = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        using var data = new TempDirectory();
        await using var castd = await CastdProcess.StartAsync(data.Path, FreePorts.Next(),
            new Dictionary<string, string> { ["STREAM_PORT"] = ephemeral.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastdDll, ["doctor", "--pid", castd.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(1, exit);
        Assert.Contains($"limits of pid {castd.Pid} for 100000 viewers", output, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^WARN  net\.ipv4\.ip_local_port_range .*to exclude port {ephemeral}:", output);
    }
}
