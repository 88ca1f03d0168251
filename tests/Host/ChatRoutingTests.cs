using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Host;

/// <summary>Chat routing (docs/chat.md) through castd's host in this process, over real WebSockets.</summary>
public sealed class ChatRoutingTests
{
    [Fact]
    public async Task DirectToEveryTab_RoomToEveryMember_AndAViewerJoinsItsChannelsRoom()
    {
        await using var castd = await InProcessCastd.StartAsync(["coop", "gordon", "diane"]);
        await using var coop = await ChatClient.ConnectAsync(castd.HttpPort, "coop");
        await using var gordonPhone = await ChatClient.ConnectAsync(castd.HttpPort, "gordon");
        await using var gordonLaptop = await ChatClient.ConnectAsync(castd.HttpPort, "gordon");
        await using var diane = await ChatClient.ConnectAsync(castd.HttpPort, "diane");

        await coop.SendAsync("""{"recipient":"gordon","message":"hi","sender":"mallory"}""");
        Assert.Equal("message sent with success", (await coop.ReceiveAsync())!.Value.GetProperty("ok").GetString());
        foreach (var tab in new[] { gordonPhone, gordonLaptop })
        {
            var message = (await tab.ReceiveAsync())!.Value;
            Assert.Equal("coop", message.GetProperty("sender").GetString());
            Assert.Equal("hi", message.GetProperty("message").GetString());
        }

        // diane starts watching zato01: her chat joins its room by itself.
        await using var viewer = await TestViewer.ConnectAsync(castd.StreamPort, "diane zato01\n");
        Assert.Equal("joined zato01", (await diane.ReceiveAsync())!.Value.GetProperty("ok").GetString());
        await coop.SendAsync("""{"join":"zato01"}""");
        Assert.Equal("joined zato01", (await coop.ReceiveAsync())!.Value.GetProperty("ok").GetString());
        await coop.SendAsync("""{"room":"zato01","message":"goal"}""");

        var inRoom = (await diane.ReceiveAsync())!.Value;
        Assert.Equal("zato01", inRoom.GetProperty("room").GetString());
        Assert.Equal("goal", inRoom.GetProperty("message").GetString());
        var echo = (await coop.ReceiveAsync())!.Value;
        Assert.Equal("goal", echo.GetProperty("message").GetString());
        Assert.Equal("message sent with success", (await coop.ReceiveAsync())!.Value.GetProperty("ok").GetString());

        await coop.SendAsync("""{"recipient":"nobody","message":"hi"}""");
        Assert.Equal("unknown user nobody", (await coop.ReceiveAsync())!.Value.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AConnectionsRoomsAndMessageRate_AreCapped_AndItStaysConnected()
    {
        await using var castd = await InProcessCastd.StartAsync(["coop"], new Dictionary<string, string>
        {
            ["CASTD_CHAT_MAX_ROOMS"] = "3",
            ["CASTD_CHAT_MESSAGES_PER_SECOND"] = "10",
        });
        await using var coop = await ChatClient.ConnectAsync(castd.HttpPort, "coop");

        foreach (var room in new[] { "room01", "room02", "room03" })
        {
            await coop.SendAsync($$"""{"join":"{{room}}"}""");
            Assert.Equal($"joined {room}", (await coop.ReceiveAsync())!.Value.GetProperty("ok").GetString());
        }
        await coop.SendAsync("""{"join":"room04"}""");
        Assert.Equal("in too many rooms: at most 3 a connection", (await coop.ReceiveAsync())!.Value.GetProperty("error").GetString());

        // 30 at once against a bucket of 10 (a second's worth) of which the joins took 4: about 6 go, the rest are
        // answered with an error.
        for (var i = 0; i < 30; i++)
        {
            await coop.SendAsync("""{"recipient":"coop","message":"hi"}""");
        }
        var (delivered, refused) = (0, 0);
        while (delivered / 2 + refused < 30)
        {
            var frame = (await coop.ReceiveAsync())!.Value;
            if (frame.TryGetProperty("error", out var error))
            {
                Assert.Equal("too many messages: slow down (CASTD_CHAT_MESSAGES_PER_SECOND)", error.GetString());
                refused++;
            }
            else
            {
                // The message to itself and its ack.
                delivered++;
            }
        }
        Assert.InRange(delivered / 2, 6, 11);
        Assert.Equal(30 - delivered / 2, refused);
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, coop.State);
    }
}
