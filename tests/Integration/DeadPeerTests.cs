using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>
/// Half-open viewers (issue 9): the peer vanishes without FIN or RST, simulated by dropping every packet to and from
/// the viewer's own loopback address with iptables (the suite runs as root; scripts/test.sh installs iptables). castd
/// must cut such a viewer within CASTD_VIEWER_DEAD_PEER_MS, whether its channel is sending or silent.
/// </summary>
public sealed class DeadPeerTests : IAsyncLifetime
{
    private const string RuleComment = "castd-dead-peer-test";
    private CastdRig _rig = null!;

    public async Task InitializeAsync() => _rig = await CastdRig.StartAsync(["dora"], new Dictionary<string, string> { ["CASTD_VIEWER_DEAD_PEER_MS"] = "1000" });

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task HalfOpenViewer_OfALiveChannel_IsCutWithinTheDeadPeerTimeout()
    {
        using var viewer = await ConnectFromAsync("127.0.0.91", "dora chan01 framed\n");
        await StreamingTests.WaitForViewersAsync(_rig.Castd, 1);
        await SilenceAsync("127.0.0.91", async () =>
        {
            // 50 packets/s: far too little to fill the 1 MiB budget in the time allowed, so only the timeout can cut it.
            var clock = Stopwatch.StartNew();
            for (ulong sequence = 0; await ViewersAsync() > 0; sequence++)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), "castd still holds the half-open viewer after 8 s");
                await _rig.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
                await Task.Delay(20);
            }
        });
        await AssertCutAsErrorAsync();
    }

    [Fact]
    public async Task HalfOpenViewer_OfASilentChannel_IsFoundByKeepalive()
    {
        using var viewer = await ConnectFromAsync("127.0.0.92", "dora chan02\n");
        await StreamingTests.WaitForViewersAsync(_rig.Castd, 1);
        await SilenceAsync("127.0.0.92", async () =>
        {
            // Keepalive after a third of the 1 s timeout (at least 1 s), then the timeout: a few seconds at most.
            var clock = Stopwatch.StartNew();
            while (await ViewersAsync() > 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "castd still holds the silent half-open viewer after 10 s");
                await Task.Delay(100);
            }
        });
        await AssertCutAsErrorAsync();
    }

    private async Task<int> ViewersAsync() => (await _rig.Castd.HealthAsync()).GetProperty("viewers").GetInt32();

    /// <summary>
    /// One disconnect, counted as Error or Closed: the kernel's abort reaches the read as ETIMEDOUT (Error) or, when a
    /// send on a live channel took the error first, as a reset (Closed), whichever side sees it first; and no unhandled
    /// exception in castd's log.
    /// </summary>
    private async Task AssertCutAsErrorAsync()
    {
        // The viewer leaves the count before its session has finished and counted why.
        await Eventually.TrueAsync(async () => (await _rig.Castd.HealthAsync()).GetProperty("viewerDisconnects").EnumerateObject().Any(reason => reason.Value.GetInt64() > 0));
        var disconnects = (await _rig.Castd.HealthAsync()).GetProperty("viewerDisconnects");
        Assert.Equal(1, disconnects.EnumerateObject().Sum(reason => reason.Value.GetInt64()));
        Assert.True(disconnects.GetProperty("Error").GetInt64() + disconnects.GetProperty("Closed").GetInt64() == 1, disconnects.ToString());
        Assert.DoesNotContain("Unhandled exception", _rig.Castd.Output, StringComparison.Ordinal);
    }

    private async Task<Socket> ConnectFromAsync(string address, string requestLine)
    {
        var socket = await TestViewer.ConnectFromAsync(IPAddress.Parse(address), _rig.Castd.StreamPort);
        await socket.SendAsync(Encoding.ASCII.GetBytes(requestLine));
        return socket;
    }

    /// <summary>Drops every packet from and to <paramref name="address"/> on lo while <paramref name="body"/> runs.</summary>
    private static async Task SilenceAsync(string address, Func<Task> body)
    {
        string[][] rules = [["-s", address], ["-d", address]];
        foreach (var rule in rules)
        {
            await IptablesAsync(["-I", "INPUT", "-i", "lo", .. rule, "-m", "comment", "--comment", RuleComment, "-j", "DROP"]);
        }
        try
        {
            await body();
        }
        finally
        {
            foreach (var rule in rules)
            {
                await IptablesAsync(["-D", "INPUT", "-i", "lo", .. rule, "-m", "comment", "--comment", RuleComment, "-j", "DROP"]);
            }
        }
    }

    private static async Task IptablesAsync(string[] arguments)
    {
        var (exit, output) = await DotnetRun.RunProgramAsync("iptables", ["-w", .. arguments]);
        Assert.True(exit == 0, $"iptables {string.Join(' ', arguments)}: {output}");
    }
}
