using Castd.Storage;
using Xunit;

namespace Castd.Tests.Storage;

public sealed class UsageTests : IDisposable
{
    private const long Minute = UsageBuckets.Seconds;
    private const long T0 = 1_700_000_040; // a bucket start: a multiple of 60

    private readonly TempDirectory _directory = new();
    private readonly RocksDbStateStore _store;

    public UsageTests() => _store = RocksDbStateStore.Open(_directory.Path);

    public void Dispose()
    {
        _store.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void GetUsage_UnknownUser_IsEmpty()
    {
        Assert.Empty(_store.GetUsage("nobody", 0));
    }

    [Fact]
    public void AddUsage_RepeatedKeysInOneCall_AreSummed()
    {
        _store.AddUsage(
        [
            new("alice", "news", T0, 400),
            new("alice", "news", T0, 600),
            new("alice", "sport", T0, 5),
        ], batchId: 0);

        var usage = _store.GetUsage("alice", T0);

        Assert.Equal(1000, usage["news"]);
        Assert.Equal(5, usage["sport"]);
        Assert.Equal(2, usage.Count);
    }

    [Fact]
    public void AddUsage_AcrossCalls_AccumulatesWithoutDoubleCounting()
    {
        _store.AddUsage([new("alice", "news", T0, 1000)], batchId: 0);
        _store.AddUsage([new("alice", "news", T0, 250)], batchId: 0);
        _store.AddUsage([new("alice", "news", T0 + Minute, 7)], batchId: 0);

        Assert.Equal(1257, _store.GetUsage("alice", T0)["news"]);
    }

    [Fact]
    public void AddUsage_ThenReopen_IsDurable()
    {
        _store.AddUsage([new("alice", "news", T0, 1000)], batchId: 0);
        _store.Dispose();

        using var reopened = RocksDbStateStore.Open(_directory.Path);

        Assert.Equal(1000, reopened.GetUsage("alice", T0)["news"]);
    }

    [Fact]
    public void AddUsage_FromConcurrentCallers_CountsEveryRecordOnce()
    {
        const int Callers = 8;
        const int CallsEach = 50;

        Parallel.For(0, Callers, _ =>
        {
            for (var i = 0; i < CallsEach; i++)
            {
                _store.AddUsage([new("alice", "news", T0, 3)], batchId: 0);
            }
        });

        Assert.Equal(Callers * CallsEach * 3, _store.GetUsage("alice", T0)["news"]);
    }

    [Fact]
    public void AddUsage_InvalidRecord_WritesNothing()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _store.AddUsage(
        [
            new("alice", "news", T0, 1000),
            new("alice", "news", T0, -1),
        ], batchId: 0));

        Assert.Empty(_store.GetUsage("alice", 0));
    }

    [Fact]
    public void GetUsage_SinceBucket_IncludesThatBucketAndExcludesTheOneBefore()
    {
        _store.AddUsage(
        [
            new("alice", "news", T0 - Minute, 1),
            new("alice", "news", T0, 10),
            new("alice", "news", T0 + Minute, 100),
        ], batchId: 0);

        Assert.Equal(111, _store.GetUsage("alice", T0 - Minute)["news"]);
        Assert.Equal(110, _store.GetUsage("alice", T0)["news"]);
        Assert.Equal(100, _store.GetUsage("alice", T0 + 1)["news"]);
        Assert.Empty(_store.GetUsage("alice", T0 + 2 * Minute));
    }

    [Fact]
    public void GetUsage_UserWhoseIdPrefixesAnother_SeesOnlyOwnUsage()
    {
        _store.AddUsage(
        [
            new("user-1", "news", T0, 1),
            new("user-10", "news", T0, 10),
            new("user-10", "sport", T0 - Minute, 20),
            new("user-", "news", T0, 100),
        ], batchId: 0);

        var usage = _store.GetUsage("user-1", 0);

        Assert.Equal(1, Assert.Single(usage).Value);
        Assert.Equal(10, _store.GetUsage("user-10", T0)["news"]);
        Assert.Equal(100, Assert.Single(_store.GetUsage("user-", 0)).Value);
    }

    [Fact]
    public void GetUsage_NonAsciiIds_RoundTrip()
    {
        _store.AddUsage([new("zoë", "kanał-ü", T0, 42)], batchId: 0);

        Assert.Equal(42, _store.GetUsage("zoë", T0)["kanał-ü"]);
    }

    [Fact]
    public void PruneUsage_DeletesOnlyOlderBuckets()
    {
        _store.AddUsage(
        [
            new("alice", "news", T0 - 2 * Minute, 1),
            new("alice", "news", T0 - Minute, 10),
            new("alice", "news", T0, 100),
            new("bob", "sport", T0 - Minute, 1000),
            new("bob", "sport", T0 + Minute, 10000),
        ], batchId: 0);

        var pruned = _store.PruneUsage(T0);

        Assert.Equal(3, pruned);
        Assert.Equal(100, _store.GetUsage("alice", 0)["news"]);
        Assert.Equal(10000, _store.GetUsage("bob", 0)["sport"]);
        Assert.Equal(0, _store.PruneUsage(T0));
    }

    [Fact]
    public void PruneUsage_MoreKeysThanOneBatch_DeletesThemAll()
    {
        var records = Enumerable.Range(0, 10_000)
            .Select(i => new UsageRecord($"user-{i}", "news", T0 - Minute, 1))
            .Append(new UsageRecord("alice", "news", T0, 5))
            .ToList();
        _store.AddUsage(records, batchId: 0);

        Assert.Equal(10_000, _store.PruneUsage(T0));
        Assert.Empty(_store.GetUsage("user-0", 0));
        Assert.Equal(5, _store.GetUsage("alice", 0)["news"]);
    }
}
