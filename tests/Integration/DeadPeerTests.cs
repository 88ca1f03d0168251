using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>
/// Half-open streams: the peer vanishes without FIN or RST, simulated by dropping every packet to and from the peer's
/// own loopback address with iptables (the suite runs as root; scripts/test.sh installs iptables). castd must cut such
/// a stream within CASTD_VIEWER_DEAD_PEER_MS, whether its channel is sending or silent, whichever way it leaves castd:
/// a TCP viewer, an HTTP player (taken over, or on Kestrel's route) or a relay edge.
/// </summary>
public sealed class DeadPeerTests : IAsyncLifetime
{
    private const string RuleComment = "castd-dead-peer-test";
    private readonly int _relayPort = FreePorts.Next();
    private CastdRig _rig = null!;

    public async Task InitializeAsync() => _rig = await CastdRig.StartAsync(["dora"], new Dictionary<string, string>
    {
        ["CASTD_VIEWER_DEAD_PEER_MS"] = "1000",
        ["CASTD_RELAY_HOST"] = "127.0.0.1",
        ["CASTD_RELAY_PORT"] = _relayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task HalfOpenViewer_OfALiveChannel_IsCutWithinTheDeadPeerTimeout()
    {
        using var viewer = await ConnectFromAsync("127.0.0.91", _rig.Castd.StreamPort, "dora chan01 framed\n");
        await StreamingTests.WaitForViewersAsync(_rig.Castd, 1);
        await SilenceAsync("127.0.0.91", () => SendUntilCutAsync("chan01", "viewers"));
        await AssertCutAsErrorAsync("viewerDisconnects");
    }

    [Fact]
    public async Task HalfOpenPlayer_OfASlowChannel_IsCutWithinTheDeadPeerTimeout()
    {
        using var player = await ConnectFromAsync("127.0.0.93", _rig.Castd.HttpPort, "GET /live/chan03.ts?user=dora HTTP/1.1\r\nHost: castd\r\n\r\n");
        await StreamingTests.WaitForViewersAsync(_rig.Castd, 1);
        await SilenceAsync("127.0.0.93", () => SendUntilCutAsync("chan03", "viewers"));
        await AssertCutAsErrorAsync("viewerDisconnects");
    }

    [Fact]
    public async Task HalfOpenPlayer_OnAKeepAliveConnection_IsCutWithinTheDeadPeerTimeout()
    {
        // A first request makes Kestrel own the connection: the player's request reaches the /live route.
        using var player = await ConnectFromAsync("127.0.0.95", _rig.Castd.HttpPort,
            "GET /channels HTTP/1.1\r\nHost: castd\r\n\r\nGET /live/chan05.ts?user=dora HTTP/1.1\r\nHost: castd\r\n\r\n");
        await StreamingTests.WaitForViewersAsync(_rig.Castd, 1);
        await SilenceAsync("127.0.0.95", () => SendUntilCutAsync("chan05", "viewers"));
        await AssertCutAsErrorAsync("viewerDisconnects");
    }

    [Fact]
    public async Task HalfOpenRelayEdge_OfASlowChannel_IsCutWithinTheDeadPeerTimeout()
    {
        using var edge = await ConnectFromAsync("127.0.0.94", _relayPort, null);
        await Eventually.TrueAsync(async () => (await _rig.Castd.HealthAsync()).GetProperty("relays").GetInt32() == 1);
        await SilenceAsync("127.0.0.94", () => SendUntilCutAsync("chan04", "relays"));
        await AssertCutAsErrorAsync("relayDisconnects");
    }

    /// <summary>
    /// 50 packets/s: far too little to fill the 1 MiB budget in the time allowed, so only the timeout can cut the stream;
    /// sends until /healthz's <paramref name="count"/> is 0.
    /// </summary>
    private async Task SendUntilCutAsync(string channel, string count)
    {
        var clock = Stopwatch.StartNew();
        for (ulong sequence = 0; (await _rig.Castd.HealthAsync()).GetProperty(count).GetInt32() > 0; sequence++)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"castd still holds the half-open stream after 8 s ({count})");
            await _rig.Source.SendAsync(channel, sequence, TestPayloads.For(0, sequence));
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task HalfOpenViewer_OfASilentChannel_IsFoundByKeepalive()
    {
        using var viewer = await ConnectFromAsync("127.0.0.92", _rig.Castd.StreamPort, "dora chan02\n");
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
        await AssertCutAsErrorAsync("viewerDisconnects");
    }

    private async Task<int> ViewersAsync() => (await _rig.Castd.HealthAsync()).GetProperty("viewers").GetInt32();

    /// <summary>
    /// One disconnect, counted as Error or Closed: the kernel's abort reaches the read as ETIMEDOUT (Error) or, when a
    /// send on a live channel took the error first, as a reset (Closed), whichever side sees it first; and no unhandled
    /// exception in castd's log.
    /// </summary>
    private async Task AssertCutAsErrorAsync(string counts)
    {
        // The stream leaves the count before its session has finished and counted why.
        await Eventually.TrueAsync(async () => (await _rig.Castd.HealthAsync()).GetProperty(counts).EnumerateObject().Any(reason => reason.Value.GetInt64() > 0));
        var disconnects = (await _rig.Castd.HealthAsync()).GetProperty(counts);
        Assert.Equal(1, disconnects.EnumerateObject().Sum(reason => reason.Value.GetInt64()));
        Assert.True(disconnects.GetProperty("Error").GetInt64() + disconnects.GetProperty("Closed").GetInt64() == 1, disconnects.ToString());
        Assert.DoesNotContain("Unhandled exception", _rig.Castd.Output, StringComparison.Ordinal);
    }

    private static async Task<Socket> ConnectFromAsync(string address, int port, string? request)
    {
        var socket = await TestViewer.ConnectFromAsync(IPAddress.Parse(address), port);
        if (request is not null)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        }
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
