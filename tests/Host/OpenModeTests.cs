using System.Net;
using System.Net.Sockets;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Host;

/// <summary>
/// Open mode (no CASTD_AUTH_KEYS, docs/security.md): viewer-facing entries take a user id as before, while operator
/// endpoints follow CASTD_ADMIN_ALLOW all the same, and the HTTP port limits each address's rate. "Another host" is a
/// client bound to 127.0.0.2, outside an allow list of 127.0.0.1.
/// </summary>
public sealed class OpenModeTests
{
    [Fact]
    public async Task ViewersNeedNoToken_ButOperatorEndpointsRefuseAnotherAddress_AndSaySo()
    {
        await using var castd = await InProcessCastd.StartAsync(["ann"], new Dictionary<string, string> { ["CASTD_ADMIN_ALLOW"] = "127.0.0.1" });
        using var elsewhere = ClientFrom(IPAddress.Parse("127.0.0.2"), castd.HttpPort);

        await using var viewer = await TestViewer.ConnectAsync(castd.StreamPort, "ann zato01\n");
        await ViewerAdmissionTests.WaitForViewersAsync(castd, 1);
        using var register = await elsewhere.PostAsync("/register", new StringContent("mallory"));
        using var usage = await elsewhere.GetAsync("/usage/ann");
        using var sessions = await elsewhere.GetAsync("/sessions/ann");
        using var put = await elsewhere.PutAsync("/streaming?account=ann&streamId=tv", null);
        var bare = await elsewhere.GetStringAsync("/healthz");

        Assert.False(viewer.Closed);
        Assert.Equal(HttpStatusCode.Forbidden, register.StatusCode);
        Assert.Equal("operators only: a CASTD_ADMIN_TOKEN bearer token or an address in CASTD_ADMIN_ALLOW\n", await register.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, usage.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, sessions.StatusCode);
        // The sessions API is viewer-facing: open as before.
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("""{"status":"ok"}""", bare);
        Assert.Equal("open", (await castd.HealthAsync()).GetProperty("auth").GetString());
    }

    [Fact]
    public async Task AnAddressPastItsRequestRate_Gets429WithRetryAfter_WhileOperatorsAreNotLimited()
    {
        await using var castd = await InProcessCastd.StartAsync([], new Dictionary<string, string>
        {
            ["CASTD_ADMIN_ALLOW"] = "127.0.0.1",
            ["CASTD_HTTP_REQUESTS_PER_ADDRESS"] = "10",
        });
        using var elsewhere = ClientFrom(IPAddress.Parse("127.0.0.2"), castd.HttpPort);

        // 30 at once: the bucket's 10, and a refill or two (1 a 100 ms) while they are answered.
        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => elsewhere.GetAsync("/channels")));
        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.All(responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests), r => Assert.Equal("1", r.Headers.RetryAfter?.ToString()));
        foreach (var response in responses)
        {
            response.Dispose();
        }
        for (var i = 0; i < 30; i++)
        {
            using var response = await castd.Http.GetAsync("/channels");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 10, 15);
        Assert.Equal(30, statuses.Count(s => s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests));
    }

    /// <summary>An HTTP client whose connections come from <paramref name="from"/>, as another host's would.</summary>
    internal static HttpClient ClientFrom(IPAddress from, int port) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(from, 0));
            await socket.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
}
