using System.Globalization;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>Token keys on the real castd process (docs/security.md): rotation by SIGHUP under load, and castd token.</summary>
public sealed class TokenKeyTests
{
    [Fact]
    public async Task KeyRotationBySighup_KeepsEveryViewer_TakesTheNewKid_RefusesTheRemovedOne()
    {
        using var keys = new TestKeys();
        var oldToken = keys.Token("ann");
        await using var rig = await CastdRig.StartAsync(["ann", "bob"], new Dictionary<string, string> { ["CASTD_AUTH_KEYS"] = keys.Path });
        using var feeding = new CancellationTokenSource();
        var feed = UsageDurabilityTests.FeedAsync(rig.Source, "live01", feeding.Token);
        var viewers = new List<TestViewer>();
        for (var i = 0; i < 3; i++)
        {
            viewers.Add(await TestViewer.ConnectAsync(rig.Castd.StreamPort, $"ann live01 token={oldToken}\n"));
        }
        await StreamingTests.WaitForViewersAsync(rig.Castd, 3);

        // hs1 goes, hs2 comes: the file is rewritten and castd told with SIGHUP, as `systemctl reload castd` does.
        var rotated = TestKeys.NewSecret("hs2");
        keys.Write(rotated);
        var (exit, output) = await DotnetRun.RunProgramAsync("kill", ["-HUP", rig.Castd.Pid.ToString(CultureInfo.InvariantCulture)]);
        Assert.True(exit == 0, output);
        await Eventually.TrueAsync(() => Task.FromResult(rig.Castd.Output.Contains("Token keys reloaded: hs2", StringComparison.Ordinal)));

        await using var stale = await TestViewer.ConnectAsync(rig.Castd.StreamPort, $"ann live01 token={oldToken}\n");
        Assert.Equal("ERR 401 unknown token key id\n", await stale.ReadUntilClosedAsync(TimeSpan.FromSeconds(10)));
        await using var fresh = await TestViewer.ConnectAsync(rig.Castd.StreamPort, $"bob live01 token={keys.Token("bob", kid: "hs2")}\n");
        await StreamingTests.WaitForViewersAsync(rig.Castd, 4);

        // Nobody was dropped: everyone admitted before the rotation is still receiving.
        foreach (var viewer in viewers)
        {
            await viewer.WaitForLengthAsync(viewer.ReceivedLength + 1000, TimeSpan.FromSeconds(5));
            Assert.False(viewer.Closed);
        }
        Assert.Equal(0, (await rig.Castd.HealthAsync()).GetProperty("viewerDisconnects").EnumerateObject().Sum(r => r.Value.GetInt64()));
        Assert.DoesNotContain(oldToken, rig.Castd.Output, StringComparison.Ordinal);
        await feeding.CancelAsync();
        await feed;
        foreach (var viewer in viewers)
        {
            await viewer.DisposeAsync();
        }
    }

    [Fact]
    public async Task CastdToken_MintsATokenCastdTakes_AndSaysWhyWhenItCannot()
    {
        using var keys = new TestKeys();
        var (exit, output) = await DotnetRun.RunAsync(RepoPaths.CastdDll, ["token", "--user", "ann", "--channel", "live01", "--scope", "play", "--ttl", "5m", "--kid", "es1"],
            new Dictionary<string, string> { ["CASTD_AUTH_KEYS"] = keys.Path });
        Assert.True(exit == 0, output);
        var token = output.Trim();

        await using var rig = await CastdRig.StartAsync(["ann"], new Dictionary<string, string> { ["CASTD_AUTH_KEYS"] = keys.Path });
        await using var viewer = await TestViewer.ConnectAsync(rig.Castd.StreamPort, $"ann live01 token={token}\n");
        await StreamingTests.WaitForViewersAsync(rig.Castd, 1);
        await using var elsewhere = await TestViewer.ConnectAsync(rig.Castd.StreamPort, $"ann live02 token={token}\n");
        Assert.Equal("ERR 403 token is for another channel\n", await elsewhere.ReadUntilClosedAsync(TimeSpan.FromSeconds(10)));

        var (noKeys, why) = await DotnetRun.RunAsync(RepoPaths.CastdDll, ["token", "--user", "ann"], new Dictionary<string, string> { ["CASTD_AUTH_KEYS"] = "" });
        Assert.Equal(2, noKeys);
        Assert.Contains("CASTD_AUTH_KEYS is not set", why, StringComparison.Ordinal);
        var (badTtl, ttlWhy) = await DotnetRun.RunAsync(RepoPaths.CastdDll, ["token", "--user", "ann", "--ttl", "soon"], new Dictionary<string, string> { ["CASTD_AUTH_KEYS"] = keys.Path });
        Assert.Equal(2, badTtl);
        Assert.Contains("--ttl soon", ttlWhy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenMode_SaysSoAtStart()
    {
        await using var rig = await CastdRig.StartAsync([]);
        Assert.Contains("Open mode: CASTD_AUTH_KEYS is not set", rig.Castd.Output, StringComparison.Ordinal);
        Assert.Equal("open", (await rig.Castd.HealthAsync()).GetProperty("auth").GetString());
    }
}
