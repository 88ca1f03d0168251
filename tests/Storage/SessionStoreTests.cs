using Castd.Storage.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace Castd.Tests.Storage;

public sealed class SessionStoreTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _clock = new();
    private readonly InMemorySessionStore _store;

    public SessionStoreTests() => _store = new InMemorySessionStore(3, Ttl, _clock);

    [Fact]
    public async Task OpenHttp_UpToTheLimit_IsActive_ThenDropped()
    {
        var statuses = new List<SessionStatus>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await _store.OpenHttpAsync("ann", $"s{i}")).Status);
        }

        Assert.Equal([SessionStatus.Active, SessionStatus.Active, SessionStatus.Active, SessionStatus.Dropped, SessionStatus.Dropped], statuses);
    }

    [Fact]
    public async Task OpenHttp_SameStreamTwice_IsIdempotentWithTheSameId()
    {
        var first = await _store.OpenHttpAsync("ann", "tv");
        var again = await _store.OpenHttpAsync("ann", "tv");

        Assert.Equal(first.Id, again.Id);
        Assert.Single(await _store.ListAsync("ann"));
    }

    [Fact]
    public async Task Heartbeat_WithinTtl_ExtendsTheLease()
    {
        await _store.OpenHttpAsync("ann", "tv");
        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(9));
            Assert.NotNull(await _store.HeartbeatAsync("ann", "tv"));
        }
    }

    [Fact]
    public async Task Heartbeat_AfterTtl_IsExpired_AndTheSlotIsFree()
    {
        for (var i = 0; i < 3; i++)
        {
            await _store.OpenHttpAsync("ann", $"s{i}");
        }
        _clock.Advance(Ttl);

        Assert.Null(await _store.HeartbeatAsync("ann", "s0"));
        Assert.Equal(SessionStatus.Active, (await _store.OpenHttpAsync("ann", "s3")).Status);
    }

    [Fact]
    public async Task CloseHttp_FreesTheSlotImmediately()
    {
        for (var i = 0; i < 3; i++)
        {
            await _store.OpenHttpAsync("ann", $"s{i}");
        }

        Assert.True(await _store.CloseHttpAsync("ann", "s1"));
        Assert.False(await _store.CloseHttpAsync("ann", "s1"));
        Assert.Equal(SessionStatus.Active, (await _store.OpenHttpAsync("ann", "s3")).Status);
    }

    [Fact]
    public async Task StreamAndHttpSessions_CountTogether_TheFourthIsCut()
    {
        var tcp1 = await _store.OpenStreamAsync("ann", "zato01");
        var tcp2 = await _store.OpenStreamAsync("ann", "zato02");
        await _store.OpenHttpAsync("ann", "tv");

        Assert.Equal(SessionStatus.Dropped, (await _store.OpenHttpAsync("ann", "phone")).Status);
        Assert.Equal(SessionStatus.Dropped, (await _store.OpenStreamAsync("ann", "zato03")).Status);

        _store.CloseStream(tcp1);
        Assert.Equal(SessionStatus.Active, (await _store.OpenStreamAsync("ann", "zato03")).Status);
        Assert.Equal(SessionStatus.Active, tcp2.Status);
    }

    [Fact]
    public async Task StreamSessions_DoNotExpire_WhileConnected()
    {
        await _store.OpenStreamAsync("ann", "zato01");
        _clock.Advance(TimeSpan.FromHours(1));

        Assert.Single(await _store.ListAsync("ann"));
    }

    [Fact]
    public async Task Sweep_ForgetsExpiredSessions_AndEmptyAccounts_WithoutLosingNewOnes()
    {
        await _store.OpenHttpAsync("ann", "tv");
        await _store.OpenHttpAsync("bob", "tv");
        _clock.Advance(Ttl);
        await _store.OpenHttpAsync("bob", "radio");

        // bob's expired "tv" went already when "radio" was opened; only ann's is left for the sweep.
        Assert.Equal(1, _store.Sweep());
        Assert.Empty(await _store.ListAsync("ann"));
        Assert.Equal(["radio"], (await _store.ListAsync("bob")).Select(s => s.Key));
        Assert.Equal(SessionStatus.Active, (await _store.OpenHttpAsync("ann", "tv")).Status);
    }

    [Fact]
    public async Task ConcurrentOpens_ForOneAccount_AdmitExactlyTheLimit()
    {
        for (var round = 0; round < 50; round++)
        {
            var store = new InMemorySessionStore(3, Ttl, _clock);
            var opens = Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
                i % 2 == 0 ? await store.OpenHttpAsync("ann", $"s{i}") : await store.OpenStreamAsync("ann", "zato01")));
            var results = await Task.WhenAll(opens);

            Assert.Equal(3, results.Count(r => r.Status == SessionStatus.Active));
            Assert.Equal(3, (await store.ListAsync("ann")).Count(s => s.Status == SessionStatus.Active));
        }
    }
}
