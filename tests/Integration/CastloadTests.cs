using System.Globalization;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>castload's simulator and viewer against a real castd: the tools the demo and benchmarks rely on.</summary>
public sealed class CastloadTests
{
    [Fact]
    public async Task ShuffledLossySimulator_FramedViewersSeeOrderedIntactPackets()
    {
        using var data = new TempDirectory();
        var sourcePort = FreePorts.Next();
        await using var castd = await CastdProcess.StartAsync(data.Path, sourcePort);
        await castd.RegisterAsync("fan-1");

        var source = DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["source", "--port", sourcePort.ToString(CultureInfo.InvariantCulture), "--channels", "zato01,zato02",
             "--rate", "200", "--reorder", "16", "--dup", "0.05", "--loss", "0.02", "--duration", "8s"]);
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["view", "--stream", $"127.0.0.1:{castd.StreamPort}", "--user", "fan-1", "--channel", "zato02",
             "--framed", "--count", "3", "--duration", "5s"]);
        await source;

        Assert.True(exit == 0, output);
        Assert.Contains("out-of-order: 0, corrupt: 0", output, StringComparison.Ordinal);
        var packets = long.Parse(output.Split('\n').Single(l => l.StartsWith("packets:", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);
        // Three viewers for about 4 s of a 200 packets/s channel with 2 % loss.
        Assert.InRange(packets, 3 * 150 * 4, 3 * 200 * 5);
    }

    [Fact]
    [Trait("Category", "Stress")]
    public async Task FaultySource_EveryFaultLoggedAndCountedByCastd_ViewersGetEverySentPacketInOrder()
    {
        using var data = new TempDirectory();
        var sourcePort = FreePorts.Next();
        await using var castd = await CastdProcess.StartAsync(data.Path, sourcePort,
            new Dictionary<string, string> { ["CASTD_SOURCE_STALL_TIMEOUT_MS"] = "300" });
        await castd.RegisterAsync("fan-1");
        var viewing = DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["view", "--stream", $"127.0.0.1:{castd.StreamPort}", "--user", "fan-1", "--channel", "zato01",
             "--framed", "--count", "2", "--duration", "13s"]);
        await Eventually.TrueAsync(async () => (await castd.HealthAsync()).GetProperty("viewers").GetInt32() == 2);

        // Faults for the first 4 s (none in the last 5 s of --duration), so every channel ends unharmed.
        var (sourceExit, sourceOutput) = await DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["source", "--port", sourcePort.ToString(CultureInfo.InvariantCulture), "--channels", "zato01,zato02",
             "--rate", "100", "--faults", "hangup,stall,truncate,garbage,oversize", "--fault-every", "600ms", "--duration", "9s"]);
        var (exit, output) = await viewing;

        Assert.True(sourceExit == 0, sourceOutput);
        Assert.True(exit == 0, output);
        var faults = sourceOutput.Split('\n').Single(l => l.StartsWith("castload source: faults: ", StringComparison.Ordinal))[25..]
            .Split(", ").Select(f => f.Split(' ')).ToDictionary(f => f[0], f => int.Parse(f[1], CultureInfo.InvariantCulture));
        Assert.InRange(faults.Values.Sum(), 2, 20);
        Assert.Equal(faults.Values.Sum(), sourceOutput.Split('\n').Count(l => l.Contains("castload source: fault at ", StringComparison.Ordinal)));
        var health = await castd.HealthAsync();
        Assert.Equal(faults["stall"] + faults["truncate"] + faults["garbage"] + faults["oversize"], health.GetProperty("sourceProtocolErrors").GetInt64());
        // A cut frame is sent again whole on the next connection and the numbering goes on: nothing lost, nothing twice.
        var sent = long.Parse(sourceOutput.Split('\n').Single(l => l.StartsWith("castload source: zato01: ", StringComparison.Ordinal)).Split(' ')[3],
            CultureInfo.InvariantCulture);
        Assert.Contains("castload source: zato01: " + sent + " packets sent, 0 numbers never sent", sourceOutput, StringComparison.Ordinal);
        Assert.Contains($"packets: {2 * sent} ", output, StringComparison.Ordinal);
        Assert.Contains("gaps: 0, out-of-order: 0, corrupt: 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Source_UnknownFault_IsRefusedWithExit2()
    {
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastloadDll, ["source", "--port", "1", "--faults", "hangup,meteor"]);

        Assert.Equal(2, exit);
        Assert.Contains("--faults: 'meteor' is not a fault; use all or some of hangup,stall,truncate,garbage,oversize,silence,jump", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_FramedForeignPayloads_AreNotJudgedCorrupt_AndTimedFromCastdsReceipt()
    {
        await using var rig = await CastdRig.StartAsync(["erin"]);
        var viewing = DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["view", "--stream", $"127.0.0.1:{rig.Castd.StreamPort}", "--user", "erin", "--channel", "chan01", "--framed", "--duration", "3s"]);
        await Eventually.TrueAsync(async () => (await rig.Castd.HealthAsync()).GetProperty("viewers").GetInt32() == 1);
        // Not castload's stamped payloads: what a real source (MPEG-TS) sends, as far as castload can tell.
        for (ulong sequence = 0; sequence < 50; sequence++)
        {
            await rig.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }
        var (exit, output) = await viewing;

        Assert.True(exit == 0, output);
        Assert.Contains("packets: 50 ", output, StringComparison.Ordinal);
        Assert.Contains("out-of-order: 0, corrupt: 0", output, StringComparison.Ordinal);
        Assert.Contains("latency ms: p50 ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_UnregisteredUser_ReportsTheRefusalAndExits3()
    {
        using var data = new TempDirectory();
        await using var castd = await CastdProcess.StartAsync(data.Path, FreePorts.Next());
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["view", "--stream", $"127.0.0.1:{castd.StreamPort}", "--user", "ghost", "--channel", "zato01", "--duration", "2s"]);
        Assert.Equal(3, exit);
        Assert.Contains("refused: ERR 403 user ghost is not registered", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sessions_FiveStreamsOfOneAccount_ThreeActiveTwoDropped()
    {
        await using var rig = await CastdRig.StartAsync([]);
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["sessions", "--http", $"127.0.0.1:{rig.Castd.HttpPort}", "--account", "seed", "--streams", "5", "--duration", "2s"]);

        Assert.True(exit == 0, output);
        Assert.Contains("seed/stream-4: PUT -> 200 DROPPED", output, StringComparison.Ordinal);
        Assert.Contains("fates: 3 ACTIVE, 2 DROPPED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_FiveUsersAt20PerSecond_DeliverAbout100MessagesAndAcksPerSecond()
    {
        await using var rig = await CastdRig.StartAsync([]);
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["chat", "--server", $"127.0.0.1:{rig.Castd.HttpPort}", "--user-count", "5", "--rate", "20", "--duration", "3s"]);

        Assert.True(exit == 0, output);
        Assert.Contains("errors:      0 answered, 0 users cut", output, StringComparison.Ordinal);
        // "frames/s:    200 (messages 100, acks 100)": castload registered its users, every message reached a
        // connected user and was acknowledged.
        var rates = System.Text.RegularExpressions.Regex.Match(output, @"messages ([\d,]+), acks ([\d,]+)");
        Assert.True(rates.Success, output);
        Assert.InRange(double.Parse(rates.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture), 80, 110);
        Assert.InRange(double.Parse(rates.Groups[2].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture), 80, 110);
    }
}
