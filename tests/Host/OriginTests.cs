using System.Net;
using System.Net.WebSockets;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Host;

/// <summary>Which web pages may use chat and /live (CASTD_ALLOWED_ORIGINS, docs/security.md).</summary>
public sealed class OriginTests
{
    [Fact]
    public async Task WithTokens_ChatTakesItsOwnPagesOrigin_AndNoOrigin_ButRefusesAnotherSite()
    {
        using var keys = new TestKeys();
        await using var castd = await InProcessCastd.StartAsync(["coop"], new Dictionary<string, string> { ["CASTD_AUTH_KEYS"] = keys.Path });
        var token = keys.Token("coop", scope: "chat");

        Assert.Equal(HttpStatusCode.SwitchingProtocols, await ChatStatusAsync(castd, token, origin: null));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await ChatStatusAsync(castd, token, origin: $"http://127.0.0.1:{castd.HttpPort}"));
        Assert.Equal(HttpStatusCode.Forbidden, await ChatStatusAsync(castd, token, origin: "https://evil.example"));
    }

    [Fact]
    public async Task ListedOrigins_AreTheOnlyOnesChatTakes_AndLiveAnswersEachWithItsOwnCorsHeader()
    {
        await using var castd = await InProcessCastd.StartAsync(["coop"], new Dictionary<string, string> { ["CASTD_ALLOWED_ORIGINS"] = "https://site.example" });

        Assert.Equal(HttpStatusCode.SwitchingProtocols, await ChatStatusAsync(castd, null, "https://site.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await ChatStatusAsync(castd, null, $"http://127.0.0.1:{castd.HttpPort}"));
        Assert.Equal("Access-Control-Allow-Origin: https://site.example", CorsLine(await LiveHeadAsync(castd, "https://site.example")));
        Assert.Null(CorsLine(await LiveHeadAsync(castd, "https://evil.example")));
    }

    [Fact]
    public async Task Unlisted_LiveAnswersAnyOrigin_AsBefore()
    {
        await using var castd = await InProcessCastd.StartAsync(["coop"]);
        Assert.Equal("Access-Control-Allow-Origin: *", CorsLine(await LiveHeadAsync(castd, "https://anyone.example")));
    }

    private static async Task<HttpStatusCode> ChatStatusAsync(InProcessCastd castd, string? token, string? origin)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }
        try
        {
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{castd.HttpPort}/chat?user=coop{(token is null ? "" : $"&token={token}")}"), CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }
        return socket.HttpStatusCode;
    }

    /// <summary>The head of a /live response castd takes over, to the first byte of the stream.</summary>
    private static async Task<string> LiveHeadAsync(InProcessCastd castd, string origin)
    {
        await using var player = await TestViewer.ConnectAsync(castd.HttpPort, $"GET /live/zato01.ts?user=coop HTTP/1.0\r\nOrigin: {origin}\r\n\r\n");
        await player.WaitForAsync(bytes => System.Text.Encoding.ASCII.GetString(bytes).Contains("\r\n\r\n", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        return HttpResponseBytes.Parse(player.Received).Head;
    }

    private static string? CorsLine(string head) =>
        head.Split("\r\n").SingleOrDefault(line => line.StartsWith("Access-Control-Allow-Origin:", StringComparison.Ordinal));
}
