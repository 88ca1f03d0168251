using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using Castd.Daemon.Chat;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Host;

/// <summary>
/// Identity (docs/security.md) at every user-facing entry, against castd's host in this process with keys: each bad
/// credential gets its refusal, and nothing else happens (no session, no usage, no channel, no chat presence). Loopback
/// is not an operator here (CASTD_ADMIN_ALLOW names another address); the test reads castd as one with CASTD_ADMIN_TOKEN.
/// </summary>
public sealed class TokenAuthTests : IAsyncLifetime
{
    private const string AdminToken = "test-admin-token-0123456789";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TestKeys _keys = new();
    private InProcessCastd _castd = null!;

    public async Task InitializeAsync() => _castd = await InProcessCastd.StartAsync(["user-1", "user-2"], new Dictionary<string, string>
    {
        ["CASTD_AUTH_KEYS"] = _keys.Path,
        ["CASTD_ADMIN_TOKEN"] = AdminToken,
        ["CASTD_ADMIN_ALLOW"] = "192.0.2.1",
    });

    public async Task DisposeAsync()
    {
        await _castd.DisposeAsync();
        _keys.Dispose();
    }

    /// <summary>Every kind of bad credential for user-1 watching zato01, and what castd must answer.</summary>
    public static TheoryData<string, int, string> BadCredentials => new()
    {
        { "none", 401, "missing token" },
        { "malformed", 401, "malformed token" },
        { "forged signature", 401, "bad token signature" },
        { "alg none", 401, "bad token signature" },
        { "HS/ES confusion", 401, "bad token signature" },
        { "unknown kid", 401, "unknown token key id" },
        { "no exp", 401, "token without exp" },
        { "expired", 401, "token expired" },
        { "not yet valid", 401, "token not yet valid" },
        { "another user's", 403, "token is for another user" },
        { "another channel's", 403, "token is for another channel" },
        { "without the scope", 403, "token lacks scope play" },
    };

    /// <summary>The same for chat and the sessions API, whose tokens name no channel.</summary>
    public static TheoryData<string, int, string> BadCredentialsWithoutChannel
    {
        get
        {
            var rows = new TheoryData<string, int, string>();
            foreach (var row in BadCredentials.Where(row => (string)row[0] != "another channel's"))
            {
                rows.Add((string)row[0], (int)row[1], (string)row[2]);
            }
            return rows;
        }
    }

    [Theory]
    [MemberData(nameof(BadCredentials))]
    public async Task TcpViewer_WithABadToken_GetsItsErrLine_AndNothingElseHappens(string kind, int code, string reason)
    {
        var token = BadToken(kind);
        await using var viewer = await TestViewer.ConnectAsync(_castd.StreamPort, token is null ? "user-1 zato01\n" : $"user-1 zato01 token={token}\n");
        Assert.Equal($"ERR {code} {reason}\n", await viewer.ReadUntilClosedAsync(Wait));
        await AssertNothingHappenedAsync();
    }

    [Theory]
    [MemberData(nameof(BadCredentials))]
    public async Task Player_WithABadToken_GetsItsStatus_AndNothingElseHappens(string kind, int code, string reason)
    {
        var token = BadToken(kind);
        await using var player = await TestViewer.ConnectAsync(_castd.HttpPort,
            $"GET /live/zato01.ts?user=user-1{(token is null ? "" : $"&token={token}")} HTTP/1.1\r\nHost: castd\r\n\r\n");
        await player.ReadUntilClosedAsync(Wait);
        var response = HttpResponseBytes.Parse(player.Received);
        Assert.Equal(code, response.Status);
        Assert.Equal(reason + "\n", Encoding.ASCII.GetString(response.Body));
        await AssertNothingHappenedAsync();
    }

    [Theory]
    [MemberData(nameof(BadCredentialsWithoutChannel))]
    public async Task Chat_WithABadToken_IsRefusedBeforeTheUpgrade_AndNothingElseHappens(string kind, int code, string _)
    {
        var token = NotPlayBadToken(kind);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        var uri = new Uri($"ws://127.0.0.1:{_castd.HttpPort}/chat?user=user-1{(token is null ? "" : $"&token={token}")}");
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None));
        Assert.Equal((HttpStatusCode)code, socket.HttpStatusCode);
        Assert.Equal(code == 401 ? "Bearer" : null, socket.HttpResponseHeaders?.GetValueOrDefault("WWW-Authenticate")?.Single());
        Assert.Equal(0, _castd.Get<ChatCounters>().Connections);
        await AssertNothingHappenedAsync();
    }

    [Theory]
    [MemberData(nameof(BadCredentialsWithoutChannel))]
    public async Task SessionsApi_WithABadToken_GetsItsStatus_AndNoSessionIsOpened(string kind, int code, string reason)
    {
        var token = NotPlayBadToken(kind);
        using var put = new HttpRequestMessage(HttpMethod.Put, "/streaming?account=user-1&streamId=tv");
        if (token is not null)
        {
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await _castd.Anonymous.SendAsync(put);

        Assert.Equal((HttpStatusCode)code, response.StatusCode);
        var expected = reason == "token lacks scope play" ? "token lacks scope session" : reason;
        Assert.Equal(expected + "\n", await response.Content.ReadAsStringAsync());
        await AssertNothingHappenedAsync();
    }

    [Fact]
    public async Task GoodTokens_OpenEveryEntry_HS256AndES256Alike()
    {
        await using var tcp = await TestViewer.ConnectAsync(_castd.StreamPort, $"user-1 zato01 framed token={_keys.Token("user-1", kid: "es1")}\n");
        await using var player = await TestViewer.ConnectAsync(_castd.HttpPort, $"GET /live/zato01.ts?user=user-1&token={_keys.Token("user-1", scope: "play", channel: "zato01")} HTTP/1.0\r\n\r\n");
        await ViewerAdmissionTests.WaitForViewersAsync(_castd, 2);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{_castd.HttpPort}/chat?user=user-2&token={_keys.Token("user-2", scope: "chat")}"), CancellationToken.None);
        using var put = new HttpRequestMessage(HttpMethod.Put, "/streaming?account=user-2&streamId=tv");
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _keys.Token("user-2", scope: "session"));
        using var opened = await _castd.Anonymous.SendAsync(put);
        using var usage = await _castd.Anonymous.GetAsync($"/usage/user-2?token={_keys.Token("user-2", scope: "chat")}");

        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.Equal(HttpStatusCode.OK, usage.StatusCode);
        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.False(tcp.Closed);
    }

    [Fact]
    public async Task TheVictimScenario_AnAttackerWithUser2sTokenCannotActAsUser1_WhoThenWatchesThreeStreams()
    {
        var attacker = _keys.Token("user-2");
        await using (var asVictim = await TestViewer.ConnectAsync(_castd.StreamPort, $"user-1 zato01 token={attacker}\n"))
        {
            Assert.Equal("ERR 403 token is for another user\n", await asVictim.ReadUntilClosedAsync(Wait));
        }
        await using (var noToken = await TestViewer.ConnectAsync(_castd.StreamPort, "user-1 zato01\n"))
        {
            Assert.Equal("ERR 401 missing token\n", await noToken.ReadUntilClosedAsync(Wait));
        }
        await using (var player = await TestViewer.ConnectAsync(_castd.HttpPort, $"GET /live/zato01.ts?user=user-1&token={attacker} HTTP/1.0\r\n\r\n"))
        {
            await player.ReadUntilClosedAsync(Wait);
            Assert.Equal(403, HttpResponseBytes.Parse(player.Received).Status);
        }
        foreach (var method in new[] { HttpMethod.Put, HttpMethod.Get, HttpMethod.Delete })
        {
            using var request = new HttpRequestMessage(method, "/streaming?account=user-1&streamId=tv");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", attacker);
            using var response = await _castd.Anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
        foreach (var path in new[] { "/usage/user-1", "/sessions/user-1" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", attacker);
            using var response = await _castd.Anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
        using (var chat = new ClientWebSocket())
        {
            chat.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => chat.ConnectAsync(new Uri($"ws://127.0.0.1:{_castd.HttpPort}/chat?user=user-1&token={attacker}"), CancellationToken.None));
            Assert.Equal(HttpStatusCode.Forbidden, chat.HttpStatusCode);
        }
        await AssertNothingHappenedAsync();

        // None of it took a slot: user-1 watches three streams with tokens of its own.
        var own = _keys.Token("user-1");
        var streams = new List<TestViewer>();
        for (var i = 1; i <= 3; i++)
        {
            streams.Add(await TestViewer.ConnectAsync(_castd.StreamPort, $"user-1 zato0{i} token={own}\n"));
        }
        await ViewerAdmissionTests.WaitForViewersAsync(_castd, 3);
        Assert.All(streams, s => Assert.False(s.Closed));
        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task OperatorEndpoints_NeedTheAdminToken_FromAnAddressOutsideTheAllowList()
    {
        // Registration is the operator's; another user's usage and sessions need that user's token (or the operator's).
        foreach (var (method, path, status) in new[] { (HttpMethod.Post, "/register", HttpStatusCode.Forbidden), (HttpMethod.Get, "/usage/user-1", HttpStatusCode.Unauthorized), (HttpMethod.Get, "/sessions/user-1", HttpStatusCode.Unauthorized) })
        {
            using var request = new HttpRequestMessage(method, path) { Content = method == HttpMethod.Post ? new StringContent("user-3") : null };
            using var refused = await _castd.Anonymous.SendAsync(request);
            Assert.Equal(status, refused.StatusCode);
        }
        using (var bare = await _castd.Anonymous.GetAsync("/healthz"))
        {
            Assert.Equal("""{"status":"ok"}""", await bare.Content.ReadAsStringAsync());
        }
        using var register = await _castd.Http.PostAsync("/register", new StringContent("user-3"));
        Assert.Equal(HttpStatusCode.OK, register.StatusCode);
        var health = await _castd.HealthAsync();
        Assert.Equal("tokens", health.GetProperty("auth").GetString());
        Assert.Equal(1, health.GetProperty("authRefusals").GetProperty("NotOperator").GetInt64());
        Assert.Equal(2, health.GetProperty("authRefusals").GetProperty("MissingToken").GetInt64());
    }

    private string? BadToken(string kind) => kind switch
    {
        "none" => null,
        "malformed" => "not.a.jwt",
        "forged signature" => TestKeys.ForgedSignature("user-1"),
        "alg none" => TestKeys.Unsigned("user-1"),
        "HS/ES confusion" => _keys.AlgorithmConfusion("user-1"),
        "unknown kid" => TestKeys.UnknownKid("user-1"),
        "no exp" => _keys.NoExpiry("user-1"),
        "expired" => _keys.Expired("user-1"),
        "not yet valid" => _keys.NotYetValid("user-1"),
        "another user's" => _keys.Token("user-2"),
        "another channel's" => _keys.Token("user-1", channel: "zato02"),
        _ => _keys.Token("user-1", scope: "chat session"),
    };

    /// <summary>The same for chat and the sessions API, which need scope chat or session: a play token lacks it.</summary>
    private string? NotPlayBadToken(string kind) => kind == "without the scope" ? _keys.Token("user-1", scope: "play") : BadToken(kind);

    /// <summary>No session, no viewer, no channel, no usage for user-1, read as an operator.</summary>
    private async Task AssertNothingHappenedAsync()
    {
        var health = await _castd.HealthAsync();
        Assert.Equal(0, health.GetProperty("viewers").GetInt32());
        Assert.Equal(0, health.GetProperty("channels").GetArrayLength());
        Assert.Equal("""{"user":"user-1","sessions":[]}""", await _castd.Http.GetStringAsync("/sessions/user-1"));
        Assert.Empty(await _castd.UsageAsync("user-1"));
    }
}
