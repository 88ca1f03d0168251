using System.Net.WebSockets;
using System.Text.Json;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>Chat (docs/chat.md) over real WebSockets against the real castd process.</summary>
public sealed class ChatTests
{
    /// <summary>No per-connection message rate (CASTD_CHAT_MESSAGES_PER_SECOND): these tests flood on purpose, to test the queues.</summary>
    private static readonly Dictionary<string, string> Unthrottled = new() { ["CASTD_CHAT_MESSAGES_PER_SECOND"] = "0" };

    [Fact]
    public async Task DirectMessage_ReachesEveryTabOfTheRecipient_WithTheRealSender_AndTheSenderGetsAnAck()
    {
        await using var rig = await CastdRig.StartAsync(["coop", "gordon"]);
        var port = rig.Castd.HttpPort;
        await using var coop = await ChatClient.ConnectAsync(port, "coop");
        await using var gordon1 = await ChatClient.ConnectAsync(port, "gordon");
        await using var gordon2 = await ChatClient.ConnectAsync(port, "gordon", path: "/");
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        await coop.SendAsync("""{"recipient":"gordon","message":"hi <b>there</b>","sender":"mallory"}""");

        Assert.Equal("message sent with success", Field(await coop.ReceiveAsync(), "ok"));
        foreach (var tab in new[] { gordon1, gordon2 })
        {
            var message = (await tab.ReceiveAsync())!.Value;
            Assert.Equal("coop", message.GetProperty("sender").GetString());
            Assert.Equal("gordon", message.GetProperty("recipient").GetString());
            Assert.Equal("hi <b>there</b>", message.GetProperty("message").GetString());
            Assert.InRange(message.GetProperty("ts").GetInt64(), before - 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
        }
    }

    [Fact]
    public async Task RoomMessage_GoesToEveryMember_AndNoOneElse()
    {
        await using var rig = await CastdRig.StartAsync(["coop", "gordon", "max"]);
        var port = rig.Castd.HttpPort;
        await using var coop = await ChatClient.ConnectAsync(port, "coop");
        await using var gordon = await ChatClient.ConnectAsync(port, "gordon");
        await using var max = await ChatClient.ConnectAsync(port, "max");
        foreach (var member in new[] { coop, gordon })
        {
            await member.SendAsync("""{"join":"zato01"}""");
            Assert.Equal("joined zato01", Field(await member.ReceiveAsync(), "ok"));
        }

        await coop.SendAsync("""{"room":"zato01","message":"goal!"}""");

        foreach (var member in new[] { gordon, coop })
        {
            var message = (await member.ReceiveAsync())!.Value;
            Assert.Equal("coop", message.GetProperty("sender").GetString());
            Assert.Equal("zato01", message.GetProperty("room").GetString());
            Assert.Equal("goal!", message.GetProperty("message").GetString());
        }
        Assert.Equal("message sent with success", Field(await coop.ReceiveAsync(), "ok"));

        // max is not in the room: the next thing max receives is this direct message, nothing before it.
        await gordon.SendAsync("""{"recipient":"max","message":"psst"}""");
        Assert.Equal("psst", Field(await max.ReceiveAsync(), "message"));

        await gordon.SendAsync("""{"leave":"zato01"}""");
        Assert.Equal("message sent with success", Field(await gordon.ReceiveAsync(), "ok"));
        Assert.Equal("left zato01", Field(await gordon.ReceiveAsync(), "ok"));
        await gordon.SendAsync("""{"room":"zato01","message":"again"}""");
        Assert.Contains("join zato01", Field(await gordon.ReceiveAsync(), "error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FourthConnection_AndUnregisteredUser_GetAnErrorAndAPolicyClose()
    {
        await using var rig = await CastdRig.StartAsync(["coop"]);
        var port = rig.Castd.HttpPort;
        var tabs = new List<ChatClient>();
        for (var i = 0; i < 3; i++)
        {
            tabs.Add(await ChatClient.ConnectAsync(port, "coop"));
        }

        await using var fourth = await ChatClient.ConnectAsync(port, "coop");
        Assert.Contains("at most 3", Field(await fourth.ReceiveAsync(), "error"), StringComparison.Ordinal);
        Assert.Null(await fourth.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, fourth.CloseStatus);

        await using var stranger = await ChatClient.ConnectAsync(port, "mallory");
        Assert.Contains("not registered", Field(await stranger.ReceiveAsync(), "error"), StringComparison.Ordinal);
        Assert.Null(await stranger.ReceiveAsync());

        // A tab that leaves frees its place at once.
        await tabs[0].DisposeAsync();
        await Task.Delay(200);
        await using var replacement = await ChatClient.ConnectAsync(port, "coop");
        await replacement.SendAsync("""{"recipient":"coop","message":"me"}""");
        Assert.Equal("me", Field(await replacement.ReceiveAsync(), "message"));
        foreach (var tab in tabs.Skip(1))
        {
            await tab.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("{\"recipient\":\"gordon\",", "invalid JSON")]
    [InlineData("[1,2]", "expected a JSON object")]
    [InlineData("{\"message\":\"to nobody\"}", "expected")]
    [InlineData("{\"recipient\":\"nobody\",\"message\":\"hi\"}", "unknown user nobody")]
    [InlineData("{\"recipient\":\"gordon\",\"message\":\"hi\"}", "gordon is not online")]
    [InlineData("{\"join\":\"no\"}", "invalid room")]
    public async Task BadRequest_IsAnsweredWithAnError_AndTheConnectionStays(string request, string error)
    {
        await using var rig = await CastdRig.StartAsync(["coop", "gordon"]);
        await using var coop = await ChatClient.ConnectAsync(rig.Castd.HttpPort, "coop");

        await coop.SendAsync(request);

        Assert.Contains(error, Field(await coop.ReceiveAsync(), "error"), StringComparison.Ordinal);
        await coop.SendAsync("""{"recipient":"coop","message":"still here"}""");
        Assert.Equal("still here", Field(await coop.ReceiveAsync(), "message"));
    }

    [Fact]
    public async Task OversizedMessage_AndInvalidUtf8_AreAnswered_AndTheConnectionStays()
    {
        await using var rig = await CastdRig.StartAsync(["coop"]);
        await using var coop = await ChatClient.ConnectAsync(rig.Castd.HttpPort, "coop");

        await coop.SendAsync($$"""{"recipient":"coop","message":"{{new string('x', 5000)}}"}""");
        Assert.Contains("at most 4096 bytes", Field(await coop.ReceiveAsync(), "error"), StringComparison.Ordinal);

        // In a binary message: in a text message RFC 6455 makes the WebSocket layer itself close with 1007.
        await coop.SendAsync([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}'], WebSocketMessageType.Binary);
        Assert.Equal("invalid UTF-8", Field(await coop.ReceiveAsync(), "error"));

        await coop.SendAsync("""{"recipient":"coop","message":"ok now"}""");
        Assert.Equal("ok now", Field(await coop.ReceiveAsync(), "message"));
    }

    [Fact]
    public async Task FragmentedMessages_AreAssembled_OversizeOnesAnswered_BrokenFramesClosed()
    {
        await using var rig = await CastdRig.StartAsync(["coop", "gordon"]);
        var port = rig.Castd.HttpPort;
        await using var coop = await ChatClient.ConnectAsync(port, "coop");

        // Sent to itself: the message comes back, then the acknowledgement. Three frames, the last cut inside the two bytes of "é".
        var whole = System.Text.Encoding.UTF8.GetBytes("""{"recipient":"coop","message":"in three parts: é"}""");
        await coop.SendFragmentsAsync([whole[..10], whole[10..^3], whole[^3..]]);
        Assert.Equal("in three parts: é", Field(await coop.ReceiveAsync(), "message"));
        Assert.Equal("message sent with success", Field(await coop.ReceiveAsync(), "ok"));

        // 20 frames of 500 bytes: over the 4096-byte limit only in sum.
        var big = System.Text.Encoding.UTF8.GetBytes($$"""{"recipient":"coop","message":"{{new string('x', 9950)}}"}""");
        await coop.SendFragmentsAsync(big.Chunk(500).ToArray());
        Assert.Contains("at most 4096 bytes", Field(await coop.ReceiveAsync(), "error"), StringComparison.Ordinal);
        await coop.SendAsync("""{"recipient":"coop","message":"ok now"}""");
        Assert.Equal("ok now", Field(await coop.ReceiveAsync(), "message"));
        Assert.Equal("message sent with success", Field(await coop.ReceiveAsync(), "ok"));

        // Invalid UTF-8 across two text frames: 1007, as RFC 6455 §8.1 requires.
        await using (var broken = await ChatClient.ConnectAsync(port, "gordon"))
        {
            await broken.SendFragmentsAsync([[.. "{\"message\":\""u8, 0xC3], [0x28, .. "\"}"u8]]);
            Assert.Null(await broken.ReceiveAsync());
            Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.InvalidPayloadData, broken.CloseStatus);
        }

        // Frames no client library sends: a continuation with nothing to continue and a fragmented ping are protocol
        // errors (1002); a frame declaring 2^62 bytes will never end, so after 1 MiB past the limit it is closed (1009).
        // Three rounds: a reset overtaking the close frame was a race, lost about one run in five with one round.
        var brokenFrames = new (int, bool, ulong?, int, int)[]
        {
            (0x0, true, null, 2, 1002), (0x9, false, null, 2, 1002), (0x1, true, 1UL << 62, (1 << 20) + 8192, 1009),
        };
        foreach (var (opcode, fin, declared, payload, status) in Enumerable.Repeat(brokenFrames, 3).SelectMany(round => round))
        {
            await using var raw = await RawWebSocket.ConnectAsync(port, "/chat?user=gordon");
            await raw.SendFrameAsync(opcode, fin, new byte[payload], declared);
            Assert.Equal(status, await raw.ReceiveCloseStatusAsync(TimeSpan.FromSeconds(10)));
        }

        await coop.SendAsync("""{"recipient":"coop","message":"still fine"}""");
        Assert.Equal("still fine", Field(await coop.ReceiveAsync(), "message"));
        Assert.Equal("message sent with success", Field(await coop.ReceiveAsync(), "ok"));
    }

    [Fact]
    public async Task ClientThatNeverReads_IsCut_WhileTheRoomKeepsFlowing()
    {
        await using var rig = await CastdRig.StartAsync(["coop", "gordon", "sloth"], Unthrottled);
        var port = rig.Castd.HttpPort;
        await using var coop = await ChatClient.ConnectAsync(port, "coop");
        await using var gordon = await ChatClient.ConnectAsync(port, "gordon");
        await using var sloth = await ChatClient.ConnectAsync(port, "sloth");
        foreach (var member in new[] { coop, gordon, sloth })
        {
            await member.SendAsync("""{"join":"zato01"}""");
            Assert.Equal("joined zato01", Field(await member.ReceiveAsync(), "ok"));
        }

        // 24 MB to a room: far more than sloth's socket buffers and queue can hold, so castd must cut sloth.
        const int Messages = 6000;
        var text = new string('z', 4000);
        var gordonGot = new List<int>();
        var gordonReads = Task.Run(async () =>
        {
            while (gordonGot.Count < Messages)
            {
                var message = (await gordon.ReceiveAsync(TimeSpan.FromSeconds(30)))!.Value;
                gordonGot.Add(int.Parse(message.GetProperty("message").GetString()![..5], System.Globalization.CultureInfo.InvariantCulture));
            }
        });
        // coop talks like a real client: each message, then its own copy and the ack.
        for (var i = 0; i < Messages; i++)
        {
            await coop.SendAsync($$"""{"room":"zato01","message":"{{i:D5}}{{text}}"}""");
            await coop.ReceiveAsync();
            await coop.ReceiveAsync();
        }
        await gordonReads;

        Assert.Equal(Enumerable.Range(0, Messages), gordonGot);
        var metrics = await new HttpClient().GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.Matches(@"castd_chat_cut_slow_total\{[^}]*\} 1(\s|$)", metrics);
    }

    [Fact]
    public async Task AViewersChat_JoinsTheRoomOfTheChannelItWatches_WhicheverComesFirst()
    {
        await using var rig = await CastdRig.StartAsync(["coop", "gordon"]);
        var port = rig.Castd.HttpPort;
        // coop watches first, then opens the chat; gordon chats first, then starts watching.
        await using var coopViewer = await TestViewer.ConnectAsync(rig.Castd.StreamPort, "coop zato01\n");
        await Eventually.TrueAsync(async () => (await rig.Castd.Http.GetStringAsync("/sessions/coop")).Contains("ACTIVE", StringComparison.Ordinal));
        await using var coop = await ChatClient.ConnectAsync(port, "coop");
        Assert.Equal("joined zato01", Field(await coop.ReceiveAsync(), "ok"));
        await using var gordon = await ChatClient.ConnectAsync(port, "gordon");
        await using var gordonViewer = await TestViewer.ConnectAsync(rig.Castd.StreamPort, "gordon zato01\n");
        Assert.Equal("joined zato01", Field(await gordon.ReceiveAsync(), "ok"));

        await gordon.SendAsync("""{"room":"zato01","message":"who else is watching?"}""");

        Assert.Equal("who else is watching?", Field(await coop.ReceiveAsync(), "message"));
        await using var second = await TestViewer.ConnectAsync(rig.Castd.StreamPort, "gordon zato01\n");
        await gordon.SendAsync("""{"recipient":"coop","message":"only one join"}""");
        Assert.Equal("who else is watching?", Field(await gordon.ReceiveAsync(), "message"));
        Assert.Equal("message sent with success", Field(await gordon.ReceiveAsync(), "ok"));
        Assert.Equal("message sent with success", Field(await gordon.ReceiveAsync(), "ok"));
    }

    [Fact]
    public async Task EscapedStrings_AreUnescapedForRouting_AndDeliveredAsTheText()
    {
        await using var rig = await CastdRig.StartAsync(["coop", "gordon"]);
        var port = rig.Castd.HttpPort;
        await using var coop = await ChatClient.ConnectAsync(port, "coop");
        await using var gordon = await ChatClient.ConnectAsync(port, "gordon");

        await coop.SendAsync("""{"message":"\u003cb\u003e \"quoted\" caf\u00e9 \ud83d\ude00\n","recipient":"\u0067ordon"}""");

        Assert.Equal("message sent with success", Field(await coop.ReceiveAsync(), "ok"));
        Assert.Equal("<b> \"quoted\" café 😀\n", Field(await gordon.ReceiveAsync(), "message"));
        await coop.SendAsync("""{"join":"zato\u00301"}""");
        Assert.Equal("joined zato01", Field(await coop.ReceiveAsync(), "ok"));
    }

    [Fact]
    public async Task AClientSendingFasterThanItReads_IsSlowedDownNotCut_AndGetsEveryFrameInOrder_WhileItPings()
    {
        await using var rig = await CastdRig.StartAsync(["coop"], Unthrottled);
        // The client writes 3,000 messages without waiting while its reads lag behind: castd stops reading it while its
        // own answers pile up (TCP pushes back on the client) instead of cutting it. It also pings every 5 ms and gives
        // up if a pong is 2 s late: castd's pongs must get through while frames are batched, without interleaving.
        await using var coop = await ChatClient.ConnectAsync(rig.Castd.HttpPort, "coop", keepAlive: TimeSpan.FromMilliseconds(5));
        const int Messages = 3000;

        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < Messages; i++)
            {
                await coop.SendAsync($$"""{"recipient":"coop","message":"{{i}} \"{{new string('é', i % 50)}}"}""");
            }
        });
        var acks = 0;
        var next = 0;
        while (acks + next < 2 * Messages)
        {
            var frame = (await coop.ReceiveAsync(TimeSpan.FromSeconds(30)))!.Value;
            if (frame.TryGetProperty("ok", out _))
            {
                acks++;
                continue;
            }
            Assert.Equal($"{next} \"{new string('é', next % 50)}", frame.GetProperty("message").GetString());
            next++;
        }
        await sending;

        Assert.Equal(Messages, acks);
        Assert.Equal(WebSocketState.Open, coop.State);
    }

    private static string Field(JsonElement? message, string name)
    {
        Assert.NotNull(message);
        return message.Value.TryGetProperty(name, out var value) ? value.GetString()! : $"(no {name} in {message.Value})";
    }
}
