using Castd.Storage.Sessions;

namespace Castd.Tests.Storage;

public sealed class SessionStoreTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);
    private readonly ManualTimeProvider _clock = new();
    private readonly InMemorySessionStore _store;

    public SessionStoreTests() => _store = new InMemorySessionStore(3, Ttl, _clock);

    [Fact]
    public void OpenHttp_UpToTheLimit_IsActive_ThenDropped()
    {
        var statuses = Enumerable.Range(0, 5).Select(i => _store.OpenHttp("ann", $"s{i}").Status).ToList();

        Assert.Equal([SessionStatus.Active, SessionStatus.Active, SessionStatus.Active, SessionStatus.Dropped, SessionStatus.Dropped], statuses);
    }

    [Fact]
    public void OpenHttp_SameStreamTwice_IsIdempotentWithTheSameId()
    {
        var first = _store.OpenHttp("ann", "tv");
        var again = _store.OpenHttp("ann", "tv");

        Assert.Equal(first.Id, again.Id);
        Assert.Single(_store.List("ann"));
    }

    [Fact]
    public void Heartbeat_WithinTtl_ExtendsTheLease()
    {
        _store.OpenHttp("ann", "tv");
        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(9));
            Assert.NotNull(_store.Heartbeat("ann", "tv"));
        }
    }

    [Fact]
    public void Heartbeat_AfterTtl_IsExpired_AndTheSlotIsFree()
    {
        for (var i = 0; i < 3; i++)
        {
            _store.OpenHttp("ann", $"s{i}");
        }
        _clock.Advance(Ttl);

        Assert.Null(_store.Heartbeat("ann", "s0"));
        Assert.Equal(SessionStatus.Active, _store.OpenHttp("ann", "s3").Status);
    }

    [Fact]
    public void CloseHttp_FreesTheSlotImmediately()
    {
        for (var i = 0; i < 3; i++)
        {
            _store.OpenHttp("ann", $"s{i}");
        }

        Assert.True(_store.CloseHttp("ann", "s1"));
        Assert.False(_store.CloseHttp("ann", "s1"));
        Assert.Equal(SessionStatus.Active, _store.OpenHttp("ann", "s3").Status);
    }

    [Fact]
    public void StreamAndHttpSessions_CountTogether_TheFourthIsCut()
    {
        var tcp1 = _store.OpenStream("ann", "zato01");
        var tcp2 = _store.OpenStream("ann", "zato02");
        _store.OpenHttp("ann", "tv");

        Assert.Equal(SessionStatus.Dropped, _store.OpenHttp("ann", "phone").Status);
        Assert.Equal(SessionStatus.Dropped, _store.OpenStream("ann", "zato03").Status);

        _store.CloseStream(tcp1);
        Assert.Equal(SessionStatus.Active, _store.OpenStream("ann", "zato03").Status);
        Assert.Equal(SessionStatus.Active, tcp2.Status);
    }

    [Fact]
    public void StreamSessions_DoNotExpire_WhileConnected()
    {
        _store.OpenStream("ann", "zato01");
        _clock.Advance(TimeSpan.FromHours(1));

        Assert.Single(_store.List("ann"));
    }

    [Fact]
    public void Sweep_ForgetsExpiredSessions_AndEmptyAccounts_WithoutLosingNewOnes()
    {
        _store.OpenHttp("ann", "tv");
        _store.OpenHttp("bob", "tv");
        _clock.Advance(Ttl);
        _store.OpenHttp("bob", "radio");

        // bob's expired "tv" went already when "radio" was opened; only ann's is left for the sweep.
        Assert.Equal(1, _store.Sweep());
        Assert.Empty(_store.List("ann"));
        Assert.Equal(["radio"], _store.List("bob").Select(s => s.Key));
        Assert.Equal(SessionStatus.Active, _store.OpenHttp("ann", "tv").Status);
    }

    [Fact]
    public async Task ConcurrentOpens_ForOneAccount_AdmitExactlyTheLimit()
    {
        for (var round = 0; round < 50; round++)
        {
            var store = new InMemorySessionStore(3, Ttl, _clock);
            var opens = Enumerable.Range(0, 200).Select(i => Task.Run(() =>
                i % 2 == 0 ? store.OpenHttp("ann", $"s{i}") : store.OpenStream("ann", "zato01")));
            var results = await Task.WhenAll(opens);

            Assert.Equal(3, results.Count(r => r.Status == SessionStatus.Active));
            Assert.Equal(3, store.List("ann").Count(s => s.Status == SessionStatus.Active));
        }
    }
}
