using Castd.Daemon.Channels;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Host;

/// <summary>Admission, refusals and the per-account limit on the stream port, against castd's host in this process.</summary>
public sealed class ViewerAdmissionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RegisteredViewers_GetEveryPacket_RawAndFramed_AnUnregisteredOneGetsErr403()
    {
        await using var castd = await InProcessCastd.StartAsync(["ann"]);
        await using var raw = await TestViewer.ConnectAsync(castd.StreamPort, "ann chan01\n");
        await using var framed = await TestViewer.ConnectAsync(castd.StreamPort, "ann chan01 framed\n");
        await using var stranger = await TestViewer.ConnectAsync(castd.StreamPort, "mallory chan01\n");
        await WaitForViewersAsync(castd, 2);

        for (ulong sequence = 0; sequence < 50; sequence++)
        {
            await castd.Source.SendAsync("chan01", sequence, TestPayloads.For(0, sequence));
        }
        var expected = Enumerable.Range(0, 50).Select(s => TestPayloads.For(0, (ulong)s)).ToList();
        await framed.WaitForAsync(bytes => TestViewer.ParseFramed(bytes).Count == 50, Wait);
        await raw.WaitForLengthAsync(expected.Sum(p => p.Length), Wait);

        Assert.Equal(expected, TestViewer.ParseFramed(framed.Received).Select(p => p.Payload));
        Assert.Equal(Enumerable.Range(0, 50).Select(s => (ulong)s), TestViewer.ParseFramed(framed.Received).Select(p => p.Sequence));
        Assert.Equal(expected.SelectMany(p => p), raw.Received);
        Assert.Equal("ERR 403 user mallory is not registered\n", await stranger.ReadUntilClosedAsync(Wait));
    }

    [Fact]
    public async Task Refusals_AreCountedByCode_AndNothingIsKeptForThem()
    {
        await using var castd = await InProcessCastd.StartAsync(["ann"]);
        string[] lines = ["mallory chan01\n", "ann\n", "ann chan01 turbo\n", "mallory chan02\n"];
        foreach (var line in lines)
        {
            await using var viewer = await TestViewer.ConnectAsync(castd.StreamPort, line);
            Assert.StartsWith("ERR ", await viewer.ReadUntilClosedAsync(Wait), StringComparison.Ordinal);
        }

        var health = await castd.HealthAsync();
        var refusals = health.GetProperty("viewerRefusals");
        Assert.Equal(2, refusals.GetProperty("403").GetInt64());
        Assert.Equal(2, refusals.GetProperty("400").GetInt64());
        Assert.Equal(0, health.GetProperty("viewers").GetInt32());
        Assert.Equal(0, health.GetProperty("channels").GetArrayLength());
        Assert.Equal(0, castd.Get<ChannelRegistry>().WaitingChannelCount);
    }

    [Fact]
    public async Task Limit_ExactlyThreeStreams_TheFourthGetsErr429_AndAFreedSlotIsTakenAgain()
    {
        await using var castd = await InProcessCastd.StartAsync(["ann"]);
        var viewers = new List<TestViewer>();
        for (var i = 0; i < 3; i++)
        {
            viewers.Add(await TestViewer.ConnectAsync(castd.StreamPort, $"ann chan0{i + 1}\n"));
        }
        await WaitForViewersAsync(castd, 3);

        await using (var fourth = await TestViewer.ConnectAsync(castd.StreamPort, "ann chan04\n"))
        {
            Assert.Equal("ERR 429 stream limit reached: at most 3 concurrent streams for ann\n", await fourth.ReadUntilClosedAsync(Wait));
        }
        await viewers[0].DisposeAsync();
        await WaitForViewersAsync(castd, 2);
        await using var again = await TestViewer.ConnectAsync(castd.StreamPort, "ann chan04\n");
        await WaitForViewersAsync(castd, 3);

        Assert.False(again.Closed);
        foreach (var viewer in viewers.Skip(1))
        {
            await viewer.DisposeAsync();
        }
    }

    internal static Task WaitForViewersAsync(InProcessCastd castd, int count) =>
        Eventually.TrueAsync(async () => (await castd.HealthAsync()).GetProperty("viewers").GetInt32() == count);
}
