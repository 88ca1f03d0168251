using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>castload fans (and its report) against a real castd fed by castload source, all on loopback.</summary>
public sealed class FansTests
{
    /// <summary>castload source's payload and rate here: 50 packets/s of 1316 bytes, one packet = 20 ms of media.</summary>
    private const double KiloBytesPerMediaSecond = 50 * 1316 / 1000.0;

    [Fact]
    public async Task Fans_RampWithNewAndExistingAccounts_WriteTheCsvGrammarWithConsistentProgress()
    {
        await using var run = await FanRun.StartAsync();
        var (exit, output) = await run.FansAsync("--users", "6", "--ramp", "200ms", "--percent-new", "50", "--existing-offset", "500", "--duration", "6s");
        Assert.True(exit == 0, output);

        var csv = FansCsv.Read(run.CsvPath);
        var accounts = csv.Accounts;
        Assert.Equal(6, accounts.Count);
        Assert.Equal(["testfan500", "testfan502", "testfan504"], accounts.Values.Where(a => a.StartsWith("testfan", StringComparison.Ordinal)).Order());
        Assert.Equal(3, accounts.Values.Count(a => a.StartsWith("newfan-", StringComparison.Ordinal)));
        var starts = csv.Of("FanJoined").OrderBy(l => l.Fan).Select(l => l.Number).ToList();
        // Fan k joins k ramps after the first (a busy machine may start one late, never early).
        Assert.All(starts.Select((start, k) => (k, start - starts[0])), s => Assert.InRange(s.Item2, s.k * 0.2 - 0.02, s.k * 0.2 + 0.4));
        Assert.Empty(csv.Of("FanCut"));

        var media = csv.Last("StreamProgressSeconds");
        var kiloBytes = csv.Last("StreamProgressKiloBytes");
        Assert.Equal(6, media.Count);
        foreach (var (fan, last) in media)
        {
            // Every fan watched from its join to the end, at real time (not lagged), and received 65.8 kB a media second.
            Assert.InRange(last.Number, 3, 6.5);
            Assert.InRange(last.Seconds - last.Number, -0.5, 1.5);
            Assert.InRange(kiloBytes[fan].Number / last.Number, KiloBytesPerMediaSecond * 0.99, KiloBytesPerMediaSecond * 1.01);
        }
        Assert.True(csv.Of("LatencyMs").Count() >= 6 * 3, "framed fans report latency every second");
        Assert.Contains("fans 6/6", output, StringComparison.Ordinal);
        // Brand-new accounts were registered on the fly: castd counts their watch time.
        var usage = await run.Castd.UsageAsync(accounts.Values.First(a => a.StartsWith("newfan-", StringComparison.Ordinal)));
        Assert.True(usage.GetValueOrDefault("zato01") >= 2, string.Join(",", usage));
    }

    [Fact]
    public async Task Fans_RefusedFan_IsReplacedUntilItsSlotFrees()
    {
        await using var run = await FanRun.StartAsync();
        // Someone else holds all three streams of testfan700, slot 0's account, for the first 3 s.
        await run.Castd.RegisterAsync("testfan700");
        var blockers = new List<Socket>();
        for (var i = 0; i < 3; i++)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync("127.0.0.1", run.Castd.StreamPort);
            await socket.SendAsync(Encoding.ASCII.GetBytes("testfan700 zato01\n"));
            blockers.Add(socket);
        }
        await Task.Delay(300);
        var fans = run.FansAsync("--users", "2", "--ramp", "100ms", "--existing-offset", "700", "--replace-delay", "500ms", "--duration", "8s");
        await Task.Delay(3000);
        blockers.ForEach(b => b.Dispose());
        var (exit, output) = await fans;
        Assert.True(exit == 0, output);

        var csv = FansCsv.Read(run.CsvPath);
        var cuts = csv.Of("FanCut").ToList();
        Assert.NotEmpty(cuts);
        Assert.All(cuts, cut => Assert.StartsWith("refused 429", cut.Text, StringComparison.Ordinal));
        var accounts = csv.Accounts;
        Assert.All(cuts, cut => Assert.Equal("testfan700", accounts[cut.Fan]));
        // Replacements kept the slot filled: the fan that finally got in watched testfan700's stream.
        var watched = csv.Last("StreamProgressKiloBytes").Where(p => p.Value.Number > 0).Select(p => accounts[p.Key]).ToList();
        Assert.Contains("testfan700", watched);
        Assert.Contains("testfan701", watched);
        Assert.Equal(cuts.Count + 2, accounts.Count);
        Assert.Contains($"[refused 429: {cuts.Count}]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fans_OnSlowLinks_AreLagged_AndTheReportDrawsIt()
    {
        await using var run = await FanRun.StartAsync();
        // 200 kbit/s against a 526 kbit/s channel: media time falls behind wall time by 0.6 s every second.
        var (exit, output) = await run.FansAsync("--users", "2", "--ramp", "100ms", "--throttle-kbps", "200", "--duration", "9s");
        Assert.True(exit == 0, output);

        var csv = FansCsv.Read(run.CsvPath);
        var media = csv.Last("StreamProgressSeconds");
        Assert.Equal(2, media.Count);
        Assert.All(media.Values, last => Assert.True(last.Seconds - last.Number > 3, $"not lagged: {last}"));
        Assert.All(csv.Last("StreamProgressKiloBytes").Values, last => Assert.InRange(last.Number * 8 / last.Seconds, 100, 300));
        Assert.Contains("lagged 2/2", output, StringComparison.Ordinal);

        var report = Path.Combine(run.Directory, "report.html");
        var (reportExit, reportOutput) = await DotnetRun.RunAsync(RepoPaths.CastloadDll, ["report", "--in", run.CsvPath, "--out", report]);
        Assert.True(reportExit == 0, reportOutput);
        var screenshot = Path.Combine(RepoPaths.Root, "TestResults", "fans-report.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        File.Delete(screenshot);
        var (browserExit, browserOutput) = await DotnetRun.RunProgramAsync(
            "node", [Path.Combine(RepoPaths.Root, "tests", "Browser", "fans-report.mjs"), report, screenshot, "2"], timeout: TimeSpan.FromSeconds(90));
        Assert.True(browserExit == 0, browserOutput);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(screenshot)[..4]);
    }

    [Fact]
    public async Task Fans_OverSsh_TwoNodesShareTheCrowdAndTheCsvComesBackMerged()
    {
        await using var ssh = await SshServer.StartAsync();
        await using var run = await FanRun.StartAsync();
        var (exit, output) = await run.FansAsync("--users", "4", "--ramp", "200ms", "--existing-offset", "900", "--duration", "6s",
            "--ssh-hosts", "root@127.0.0.1 root@127.0.0.2", "--ssh-options", ssh.ClientOptions,
            "--remote-castload", $"dotnet {RepoPaths.CastloadDll}");
        Assert.True(exit == 0, output + ssh.Log);

        var csv = FansCsv.Read(run.CsvPath);
        // Node 0 of 2 ran slots 0 and 2, node 1 slots 1 and 3; each fan number once.
        Assert.Equal(new Dictionary<long, string> { [0] = "testfan900", [1] = "testfan901", [2] = "testfan902", [3] = "testfan903" }, csv.Accounts);
        Assert.All(csv.Last("StreamProgressSeconds").Values, last => Assert.True(last.Number > 2, $"{last}"));
        Assert.Equal(4, csv.Last("StreamProgressSeconds").Count);
        // One login per node (the kernel picks 127.0.0.1 as the source address of both).
        Assert.Equal(2, ssh.Log.Split('\n').Count(l => l.StartsWith("Accepted publickey for root", StringComparison.Ordinal)));
    }

    /// <summary>castd dialling a castload source of zato01, a directory for the CSV, and castload fans pointed at both.</summary>
    private sealed class FanRun : IAsyncDisposable
    {
        private readonly TempDirectory _directory;
        private readonly CancellationTokenSource _stopSource;
        private readonly Task<(int ExitCode, string Output)> _source;

        private FanRun(TempDirectory directory, CastdProcess castd, CancellationTokenSource stopSource, Task<(int, string)> source) =>
            (_directory, Castd, _stopSource, _source) = (directory, castd, stopSource, source);

        public CastdProcess Castd { get; }

        public string Directory => _directory.Path;

        public string CsvPath => Path.Combine(_directory.Path, "fans.csv");

        public static async Task<FanRun> StartAsync()
        {
            var directory = new TempDirectory();
            var sourcePort = FreePorts.Next();
            var castd = await CastdProcess.StartAsync(Path.Combine(directory.Path, "data"), sourcePort);
            var stopSource = new CancellationTokenSource();
            var source = DotnetRun.RunAsync(RepoPaths.CastloadDll,
                ["source", "--port", sourcePort.ToString(CultureInfo.InvariantCulture), "--channels", "zato01", "--rate", "50"],
                timeout: TimeSpan.FromMinutes(2), stop: stopSource.Token);
            var run = new FanRun(directory, castd, stopSource, source);
            await Eventually.TrueAsync(async () => (await castd.HealthAsync()).ToString().Contains("zato01", StringComparison.Ordinal), TimeSpan.FromSeconds(15));
            return run;
        }

        public Task<(int ExitCode, string Output)> FansAsync(params string[] args) => DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["fans", "--http", $"127.0.0.1:{Castd.HttpPort}", "--stream", $"127.0.0.1:{Castd.StreamPort}", "--channel", "zato01",
             "--out", CsvPath, .. args], timeout: TimeSpan.FromSeconds(60));

        public async ValueTask DisposeAsync()
        {
            await Castd.DisposeAsync();
            await _stopSource.CancelAsync();
            await _source;
            _stopSource.Dispose();
            _directory.Dispose();
        }
    }
}
