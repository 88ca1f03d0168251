using System.Net;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>A Redis that asks for a password (requirepass), reached with StackExchange.Redis' <c>password=</c> in CASTD_REDIS
/// (docs/fleet.md, docs/security.md).</summary>
public sealed class RedisAuthTests
{
    [Fact]
    public async Task WithThePassword_CastdRegistersAndAdmits_WithAWrongOne_ItSaysTheStoreIsDown()
    {
        await using var redis = await RedisNodes.StartStandaloneAsync(password: "redis-test-password");
        using var data = new TempDirectory();
        await using var source = new TestSource();
        await using (var castd = await CastdProcess.StartAsync(data.Path, source.Port, new Dictionary<string, string> { ["CASTD_REDIS"] = redis.Configuration }))
        {
            await source.AcceptAsync();
            await castd.RegisterAsync("ann");
            await using var viewer = await TestViewer.ConnectAsync(castd.StreamPort, "ann zato01\n");
            await StreamingTests.WaitForViewersAsync(castd, 1);
            Assert.False(viewer.Closed);
            Assert.DoesNotContain("redis-test-password", castd.Output, StringComparison.Ordinal);
        }

        var wrong = redis.Configuration.Replace("redis-test-password", "guess", StringComparison.Ordinal);
        await using var refused = await CastdProcess.StartAsync(data.Path, source.Port, new Dictionary<string, string> { ["CASTD_REDIS"] = wrong }, waitUntilReady: false);
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                using var ready = await refused.Http.GetAsync("/readyz");
                return ready.StatusCode == HttpStatusCode.ServiceUnavailable && (await ready.Content.ReadAsStringAsync()).Contains("redis", StringComparison.Ordinal);
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20));
        using var register = await refused.Http.PostAsync("/register", new StringContent("bob"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, register.StatusCode);
    }
}
