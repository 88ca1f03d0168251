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
}
