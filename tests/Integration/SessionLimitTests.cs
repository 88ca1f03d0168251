using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>The concurrent-stream limit (docs/sessions.md) through the real HTTP API and stream port.</summary>
public sealed class SessionLimitTests : IAsyncLifetime
{
    private CastdRig _rig = null!;

    private CastdProcess Castd => _rig.Castd;

    public async Task InitializeAsync() => _rig = await CastdRig.StartAsync(["ann", "bob"]);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    [Trait("Category", "Stress")]
    public async Task TwoHundredParallelPutsAndConnects_ExactlyThreeActive_EveryRound()
    {
        for (var round = 0; round < 5; round++)
        {
            var account = $"ann{round}";
            await Castd.RegisterAsync(account);
            var random = new Random(round);
            var kinds = Enumerable.Range(0, 200).Select(_ => random.Next(2) == 0).ToList();
            var viewers = new List<TestViewer>();
            var attempts = kinds.Select(async (isHttp, i) =>
            {
                if (isHttp)
                {
                    using var response = await Castd.Http.PutAsync($"/streaming?account={account}&streamId=s{i}", null);
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                    var status = body.GetProperty("status").GetString();
                    if (status == "DROPPED")
                    {
                        Assert.Equal("Threshold Limit reached", body.GetProperty("reason").GetString());
                    }
                    return status == "ACTIVE";
                }
                var viewer = await TestViewer.ConnectAsync(Castd.StreamPort, $"{account} zato01\n");
                lock (viewers)
                {
                    viewers.Add(viewer);
                }
                // A refused viewer gets its ERR line at once; an admitted one gets nothing (the channel is not live).
                await Task.Delay(1500);
                if (viewer.Closed)
                {
                    Assert.StartsWith("ERR 429 stream limit reached", viewer.ReceivedText, StringComparison.Ordinal);
                    return false;
                }
                return true;
            });
            var admitted = await Task.WhenAll(attempts);

            Assert.Equal(3, admitted.Count(a => a));
            var live = await Castd.Http.GetFromJsonAsync<JsonElement>($"/sessions/{account}");
            Assert.Equal(3, live.GetProperty("sessions").EnumerateArray().Count(s => s.GetProperty("status").GetString() == "ACTIVE"));
            foreach (var viewer in viewers)
            {
                await viewer.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TwoViewersAndTwoHttpSessions_TheLastOneIsCut_AndAClosedViewerFreesItsSlot()
    {
        await using var first = await TestViewer.ConnectAsync(Castd.StreamPort, "bob zato01\n");
        await using var second = await TestViewer.ConnectAsync(Castd.StreamPort, "bob zato02\n");
        await StreamingTests.WaitForViewersAsync(Castd, 2);
        Assert.Equal("ACTIVE", await PutAsync("bob", "tv"));
        Assert.Equal("DROPPED", await PutAsync("bob", "phone"));

        using (var heartbeat = await Castd.Http.GetAsync("/streaming?account=bob&streamId=phone"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, heartbeat.StatusCode);
            Assert.Contains("Session Status is DROPPED", await heartbeat.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await first.DisposeAsync();
        await Eventually.TrueAsync(async () => (await ActiveAsync("bob")) == 2);
        Assert.Equal("ACTIVE", await PutAsync("bob", "laptop"));
    }

    [Fact]
    public async Task DeleteFreesASlotAtOnce_AndASilentSessionExpiresAfterTheTtl()
    {
        await using var rig = await CastdRig.StartAsync([], new Dictionary<string, string> { ["CASTD_SESSION_TTL"] = "1500ms" });
        var castd = rig.Castd;
        foreach (var stream in new[] { "a", "b", "c" })
        {
            Assert.Equal("ACTIVE", await PutAsync(castd, "cid", stream));
        }
        Assert.Equal("DROPPED", await PutAsync(castd, "cid", "d"));

        using (var deleted = await castd.Http.DeleteAsync("/streaming?account=cid&streamId=a"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        Assert.Equal("ACTIVE", await PutAsync(castd, "cid", "e"));

        // Keep b alive with heartbeats across 2 TTLs while c and e fall silent.
        for (var i = 0; i < 4; i++)
        {
            await Task.Delay(800);
            using var beat = await castd.Http.GetAsync("/streaming?account=cid&streamId=b");
            Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
        }
        using (var expired = await castd.Http.GetAsync("/streaming?account=cid&streamId=c"))
        {
            Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        }
        Assert.Equal(1, await ActiveAsync(castd, "cid"));
    }

    [Theory]
    [InlineData("/streaming?streamId=x", "missing query parameter: account")]
    [InlineData("/streaming?account=ann", "missing query parameter: streamId")]
    [InlineData("/streaming?account=a%20b&streamId=x", "invalid account")]
    [InlineData("/streaming?account=ann&streamId=%00", "invalid streamId")]
    public async Task BadParameters_Are400WithAReason(string url, string reason)
    {
        using var response = await Castd.Http.PutAsync(url, null);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverlongStreamId_Is400_AndRepeatedPutIsIdempotent()
    {
        using (var response = await Castd.Http.PutAsync($"/streaming?account=ann&streamId={new string('x', 129)}", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        var first = await Castd.Http.PutAsync("/streaming?account=ann&streamId=tv", null);
        var again = await Castd.Http.PutAsync("/streaming?account=ann&streamId=tv", null);
        var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var againId = (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.Equal(firstId, againId);
    }

    private Task<string?> PutAsync(string account, string stream) => PutAsync(Castd, account, stream);

    private Task<int> ActiveAsync(string account) => ActiveAsync(Castd, account);

    private static async Task<string?> PutAsync(CastdProcess castd, string account, string stream)
    {
        using var response = await castd.Http.PutAsync($"/streaming?account={account}&streamId={stream}", null);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();
    }

    private static async Task<int> ActiveAsync(CastdProcess castd, string account) =>
        (await castd.Http.GetFromJsonAsync<JsonElement>($"/sessions/{account}")).GetProperty("sessions")
            .EnumerateArray().Count(s => s.GetProperty("status").GetString() == "ACTIVE");
}
