using System.Globalization;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>
/// The watch page castd serves at / (docs/playback.md) in a real browser: a real castd fed real H.264 + AAC by
/// <c>castload source --ts</c>, played over GET /live by mpegts.js in Debian's chromium, driven by playwright-core
/// (tests/Browser/watch-page.mjs, whose header lists what each scenario checks; scripts/test.sh installs both).
/// </summary>
[Collection(RealTimeMedia.Name)]
public sealed class WatchPageTests
{
    [Fact]
    public async Task Page_PlaysTheChannel_ShowsLiveAndViewers_AndChatsWithItsRoom()
    {
        await using var rig = await WatchRig.StartAsync(["coop", "gordon"]);
        await rig.RunScriptAsync("play");
    }

    [Fact]
    public async Task UnregisteredHandle_SeesThe403_AndTheRegisterButtonStartsPlayback()
    {
        await using var rig = await WatchRig.StartAsync([]);
        await rig.RunScriptAsync("refused");
    }

    [Fact]
    public async Task WithTokens_ThePagePassesTheFragmentsToken_AndPlaysAndChats_WithoutOneItShows401()
    {
        using var keys = new TestKeys();
        await using var rig = await WatchRig.StartAsync(["coop"], settings: new Dictionary<string, string> { ["CASTD_AUTH_KEYS"] = keys.Path });
        await rig.RunScriptAsync("tokens", keys.Token("coop", scope: "play chat", channel: "zato01"));
    }

    [Fact]
    public async Task SourceStopsAndReturns_PageShowsReconnecting_ThenPlaysAgainWithoutAReload()
    {
        await using var rig = await WatchRig.StartAsync(["coop"], firstSourceFor: TimeSpan.FromSeconds(12));
        var page = rig.RunScriptAsync("reconnect");
        // The first source runs out while the page plays; the outage lasts past the page's 3 s stall limit.
        var (exitCode, output) = await rig.FirstSource;
        Assert.True(exitCode == 0, output);
        await Task.Delay(TimeSpan.FromSeconds(5));
        rig.StartSource();
        await page;
    }

    /// <summary>castd on loopback, a <c>castload source --ts</c> feeding it zato01, and the users registered.</summary>
    private sealed class WatchRig : IAsyncDisposable
    {
        private readonly TempDirectory _data;
        private readonly int _sourcePort;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task<(int ExitCode, string Output)>> _sources = [];

        private WatchRig(TempDirectory data, int sourcePort, CastdProcess castd)
        {
            _data = data;
            _sourcePort = sourcePort;
            Castd = castd;
        }

        public CastdProcess Castd { get; }

        public Task<(int ExitCode, string Output)> FirstSource => _sources[0];

        public static async Task<WatchRig> StartAsync(string[] users, TimeSpan? firstSourceFor = null, IReadOnlyDictionary<string, string>? settings = null)
        {
            var data = new TempDirectory();
            var sourcePort = FreePorts.Next();
            var rig = new WatchRig(data, sourcePort, await CastdProcess.StartAsync(data.Path, sourcePort, settings));
            foreach (var user in users)
            {
                await rig.Castd.RegisterAsync(user);
            }
            rig.StartSource(firstSourceFor);
            return rig;
        }

        /// <summary>A source of the 32 s demo media: the page is watched well inside one pass, away from the loop point.</summary>
        /// <param name="duration">How long it runs; null: until the test ends.</param>
        public void StartSource(TimeSpan? duration = null)
        {
            string[] args = ["source", "--port", _sourcePort.ToString(CultureInfo.InvariantCulture), "--channels", "zato01", "--ts", TestMedia.Demo];
            if (duration is { } runFor)
            {
                args = [.. args, "--duration", $"{runFor.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"];
            }
            _sources.Add(DotnetRun.RunAsync(RepoPaths.CastloadDll, args, timeout: TimeSpan.FromMinutes(3), stop: _stop.Token));
        }

        /// <summary>Runs one scenario of watch-page.mjs; its screenshot stays in TestResults/ as a CI artifact.</summary>
        public async Task RunScriptAsync(string scenario, string? token = null)
        {
            var screenshot = Path.Combine(RepoPaths.Root, "TestResults", $"watch-page-{scenario}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            File.Delete(screenshot);

            var (exitCode, output) = await DotnetRun.RunProgramAsync(
                "node", [Path.Combine(RepoPaths.Root, "tests", "Browser", "watch-page.mjs"), $"http://127.0.0.1:{Castd.HttpPort}", scenario, screenshot, .. token is null ? [] : new[] { token }],
                timeout: TimeSpan.FromSeconds(120));

            Assert.True(exitCode == 0, $"{output}\ncastd:\n{Castd.Output}");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(screenshot)[..4]);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_sources);
            await Castd.DisposeAsync();
            _stop.Dispose();
            _data.Dispose();
        }
    }
}
