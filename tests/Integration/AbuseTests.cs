using System.Net;
using System.Net.Sockets;
using System.Text;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>
/// Hostile clients on both ports (issue 9): each gets a clear refusal, is counted, and costs a healthy viewer nothing.
/// </summary>
public sealed class AbuseTests : IAsyncLifetime
{
    private CastdRig _rig = null!;

    public async Task InitializeAsync() => _rig = await CastdRig.StartAsync(["erin"], new Dictionary<string, string> { ["CASTD_HANDSHAKE_TIMEOUT_MS"] = "500" });

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Slowloris_HundredSilentConnections_AllGet408_AHealthyViewerKeepsStreaming()
    {
        await using var healthy = await TestViewer.ConnectAsync(_rig.Castd.StreamPort, "erin chan01 framed\n");
        await StreamingTests.WaitForViewersAsync(_rig.Castd, 1);
        var silent = new List<TestViewer>();
        for (var i = 0; i < 100; i++)
        {
            // Half send a few bytes of a request line and stop; the other half send nothing at all.
            silent.Add(await TestViewer.ConnectAsync(_rig.Castd.StreamPort, i % 2 == 0 ? "erin ch" : null));
        }
        for (ulong sequence = 0; sequence < 50; sequence++)
        {
            await _rig.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
            await Task.Delay(20);
        }

        foreach (var viewer in silent)
        {
            Assert.Equal("ERR 408 no request line within 0.5 s\n", await viewer.ReadUntilClosedAsync(TimeSpan.FromSeconds(10)));
            await viewer.DisposeAsync();
        }
        await healthy.WaitForAsync(b => TestViewer.ParseFramed(b).Count == 50, TimeSpan.FromSeconds(10));
        Assert.False(healthy.Closed);
        Assert.Equal(100, (await _rig.Castd.HealthAsync()).GetProperty("viewerRefusals").GetProperty("408").GetInt64());
    }

    [Fact]
    public async Task BinaryAndNulHandshakes_Get400_AndAreCounted()
    {
        var random = new Random(9);
        for (var i = 0; i < 20; i++)
        {
            var junk = new byte[1 + random.Next(200)];
            random.NextBytes(junk);
            junk = [.. junk.Where(b => b != '\n'), (byte)'\n'];
            await using var viewer = await TestViewer.ConnectAsync(_rig.Castd.StreamPort, null);
            await viewer.Socket.SendAsync(junk);
            Assert.StartsWith("ERR 4", await viewer.ReadUntilClosedAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
        }
        await using var nul = await TestViewer.ConnectAsync(_rig.Castd.StreamPort, "erin\0 chan01\n");
        Assert.StartsWith("ERR 400 invalid user id", await nul.ReadUntilClosedAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
        var refusals = (await _rig.Castd.HealthAsync()).GetProperty("viewerRefusals");
        Assert.Equal(21, refusals.GetProperty("400").GetInt64() + refusals.GetProperty("414").GetInt64());
    }

    [Theory]
    [InlineData("POST", "/register", "../../etc/passwd", HttpStatusCode.BadRequest)]
    [InlineData("POST", "/register", "user\u0000nul", HttpStatusCode.BadRequest)]
    [InlineData("POST", "/register", "émile", HttpStatusCode.BadRequest)]
    [InlineData("POST", "/register", "\ud83d\ude00", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/usage/..%2F..%2Fetc", "", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/usage/%00", "", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/sessions/%C3%A9mile", "", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/no/such/route", "", HttpStatusCode.NotFound)]
    [InlineData("DELETE", "/healthz", "", HttpStatusCode.MethodNotAllowed)]
    [InlineData("BREW", "/register", "x", HttpStatusCode.MethodNotAllowed)]
    public async Task OddHttpRequests_GetA4xx_AndCastdStaysUp(string method, string path, string body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8) };
        using var response = await _rig.Castd.Http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _rig.Castd.Http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task HttpHeadFlood_OversizeHeadIsRefused_431()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _rig.Castd.HttpPort);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /healthz HTTP/1.1\r\nHost: castd\r\nX-Pad: {new string('a', 64 * 1024)}\r\n\r\n"));
        var reply = new byte[64];
        var read = await stream.ReadAsync(reply);
        Assert.StartsWith("HTTP/1.1 431", Encoding.ASCII.GetString(reply, 0, read), StringComparison.Ordinal);
    }
}
