using Castd.Storage;
using Castd.Storage.Embedded;
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
    public async Task GetUsage_UnknownUser_IsEmpty()
    {
        Assert.Empty(await _store.GetUsageAsync("nobody", 0));
    }

    [Fact]
    public async Task AddUsage_RepeatedKeysInOneCall_AreSummed()
    {
        await _store.AddUsageAsync(
        [
            new("alice", "news", T0, 400),
            new("alice", "news", T0, 600),
            new("alice", "sport", T0, 5),
        ], batchId: 0);

        var usage = await _store.GetUsageAsync("alice", T0);

        Assert.Equal(1000, usage["news"]);
        Assert.Equal(5, usage["sport"]);
        Assert.Equal(2, usage.Count);
    }

    [Fact]
    public async Task AddUsage_AcrossCalls_AccumulatesWithoutDoubleCounting()
    {
        await _store.AddUsageAsync([new("alice", "news", T0, 1000)], batchId: 0);
        await _store.AddUsageAsync([new("alice", "news", T0, 250)], batchId: 0);
        await _store.AddUsageAsync([new("alice", "news", T0 + Minute, 7)], batchId: 0);

        Assert.Equal(1257, (await _store.GetUsageAsync("alice", T0))["news"]);
    }

    [Fact]
    public async Task AddUsage_ThenReopen_IsDurable()
    {
        await _store.AddUsageAsync([new("alice", "news", T0, 1000)], batchId: 0);
        _store.Dispose();

        using var reopened = RocksDbStateStore.Open(_directory.Path);

        Assert.Equal(1000, (await reopened.GetUsageAsync("alice", T0))["news"]);
    }

    [Fact]
    public async Task AddUsage_FromConcurrentCallers_CountsEveryRecordOnce()
    {
        const int Callers = 8;
        const int CallsEach = 50;

        await Parallel.ForAsync(0, Callers, async (_, _) =>
        {
            for (var i = 0; i < CallsEach; i++)
            {
                await _store.AddUsageAsync([new("alice", "news", T0, 3)], batchId: 0);
            }
        });

        Assert.Equal(Callers * CallsEach * 3, (await _store.GetUsageAsync("alice", T0))["news"]);
    }

    [Fact]
    public async Task AddUsage_InvalidRecord_WritesNothing()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await _store.AddUsageAsync(
        [
            new("alice", "news", T0, 1000),
            new("alice", "news", T0, -1),
        ], batchId: 0));

        Assert.Empty(await _store.GetUsageAsync("alice", 0));
    }

    [Fact]
    public async Task GetUsage_SinceBucket_IncludesThatBucketAndExcludesTheOneBefore()
    {
        await _store.AddUsageAsync(
        [
            new("alice", "news", T0 - Minute, 1),
            new("alice", "news", T0, 10),
            new("alice", "news", T0 + Minute, 100),
        ], batchId: 0);

        Assert.Equal(111, (await _store.GetUsageAsync("alice", T0 - Minute))["news"]);
        Assert.Equal(110, (await _store.GetUsageAsync("alice", T0))["news"]);
        Assert.Equal(100, (await _store.GetUsageAsync("alice", T0 + 1))["news"]);
        Assert.Empty(await _store.GetUsageAsync("alice", T0 + 2 * Minute));
    }

    [Fact]
    public async Task GetUsage_UserWhoseIdPrefixesAnother_SeesOnlyOwnUsage()
    {
        await _store.AddUsageAsync(
        [
            new("user-1", "news", T0, 1),
            new("user-10", "news", T0, 10),
            new("user-10", "sport", T0 - Minute, 20),
            new("user-", "news", T0, 100),
        ], batchId: 0);

        var usage = await _store.GetUsageAsync("user-1", 0);

        Assert.Equal(1, Assert.Single(usage).Value);
        Assert.Equal(10, (await _store.GetUsageAsync("user-10", T0))["news"]);
        Assert.Equal(100, Assert.Single(await _store.GetUsageAsync("user-", 0)).Value);
    }

    [Fact]
    public async Task GetUsage_NonAsciiIds_RoundTrip()
    {
        await _store.AddUsageAsync([new("zoë", "kanał-ü", T0, 42)], batchId: 0);

        Assert.Equal(42, (await _store.GetUsageAsync("zoë", T0))["kanał-ü"]);
    }

    [Fact]
    public async Task PruneUsage_DeletesOnlyOlderBuckets()
    {
        await _store.AddUsageAsync(
        [
            new("alice", "news", T0 - 2 * Minute, 1),
            new("alice", "news", T0 - Minute, 10),
            new("alice", "news", T0, 100),
            new("bob", "sport", T0 - Minute, 1000),
            new("bob", "sport", T0 + Minute, 10000),
        ], batchId: 0);

        var pruned = await _store.PruneUsageAsync(T0);

        Assert.Equal(3, pruned);
        Assert.Equal(100, (await _store.GetUsageAsync("alice", 0))["news"]);
        Assert.Equal(10000, (await _store.GetUsageAsync("bob", 0))["sport"]);
        Assert.Equal(0, await _store.PruneUsageAsync(T0));
    }

    [Fact]
    public async Task PruneUsage_MoreKeysThanOneBatch_DeletesThemAll()
    {
        var records = Enumerable.Range(0, 10_000)
            .Select(i => new UsageRecord($"user-{i}", "news", T0 - Minute, 1))
            .Append(new UsageRecord("alice", "news", T0, 5))
            .ToList();
        await _store.AddUsageAsync(records, batchId: 0);

        Assert.Equal(10_000, await _store.PruneUsageAsync(T0));
        Assert.Empty(await _store.GetUsageAsync("user-0", 0));
        Assert.Equal(5, (await _store.GetUsageAsync("alice", 0))["news"]);
    }
}
