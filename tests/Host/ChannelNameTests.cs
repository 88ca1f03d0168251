using Castd.Daemon.Channels;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Host;

/// <summary>
/// Channels exist because the source sent them, never because a viewer asked (docs/viewers.md): a name that can never
/// be a live channel id is accepted and silent, as older clients expect, and a viewer of an id not live yet waits
/// without a channel being made for it.
/// </summary>
public sealed class ChannelNameTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SeedClientsUnknownChannel_StaysOpenAndSilent_AndNoChannelIsListedForIt()
    {
        await using var castd = await InProcessCastd.StartAsync(["user-1", "user-3"]);
        await using var seed = await TestViewer.ConnectAsync(castd.StreamPort, "user-3 unknown\n");
        await using var live = await TestViewer.ConnectAsync(castd.StreamPort, "user-1 zato01\n");
        await ViewerAdmissionTests.WaitForViewersAsync(castd, 2);

        // The live viewer's packets are the clock: once it has them all, the silent one has had every chance to get some.
        for (ulong sequence = 0; sequence < 20; sequence++)
        {
            await castd.Source.SendAsync("zato01", sequence, TestPayloads.For(0, sequence));
        }
        await live.WaitForLengthAsync(Enumerable.Range(0, 20).Sum(s => TestPayloads.Length((ulong)s)), Wait);

        Assert.Empty(seed.Received);
        Assert.False(seed.Closed);
        var channels = (await castd.HealthAsync()).GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToList();
        Assert.Equal(["zato01"], channels);
        Assert.Equal(0, castd.Get<ChannelRegistry>().WaitingChannelCount);
    }

    [Fact]
    public async Task ChannelNotLiveYet_ViewerWaitsWithoutAChannel_ThenGetsItFromItsFirstPacket_AndLeavingForgetsTheWait()
    {
        await using var castd = await InProcessCastd.StartAsync(["ann", "bob"]);
        await using var early = await TestViewer.ConnectAsync(castd.StreamPort, "ann zato09 framed\n");
        var leaver = await TestViewer.ConnectAsync(castd.StreamPort, "bob zato08\n");
        await ViewerAdmissionTests.WaitForViewersAsync(castd, 2);
        var registry = castd.Get<ChannelRegistry>();

        Assert.Equal(2, registry.WaitingChannelCount);
        Assert.Equal(0, (await castd.HealthAsync()).GetProperty("channels").GetArrayLength());

        await leaver.DisposeAsync();
        await ViewerAdmissionTests.WaitForViewersAsync(castd, 1);
        Assert.Equal(1, registry.WaitingChannelCount);

        for (ulong sequence = 0; sequence < 10; sequence++)
        {
            await castd.Source.SendAsync("zato09", sequence, TestPayloads.For(9, sequence));
        }
        await early.WaitForAsync(bytes => TestViewer.ParseFramed(bytes).Count == 10, Wait);

        Assert.Equal(Enumerable.Range(0, 10).Select(s => (ulong)s), TestViewer.ParseFramed(early.Received).Select(p => p.Sequence));
        Assert.Equal(0, registry.WaitingChannelCount);
    }
}
