using Castd.Storage;
using Castd.Storage.Embedded;
using Xunit;

namespace Castd.Tests.Storage;

/// <summary>
/// The embedded store on a real file system that fills up or turns read-only, at open and while running: clear errors
/// at open; at run time writes fail and say why, reads go on, and once the disk is back the store reopens its database
/// by itself with every write that returned still in it.
/// </summary>
public sealed class StorageFaultTests
{
    private const long Bucket = 1_700_000_040;
    private static readonly TimeSpan RecoveryWait = RocksDbStateStore.RecoveryInterval * 5;

    [Fact]
    public async Task Open_ReadOnlyFileSystem_SaysNotWritable()
    {
        await using var fs = await ScratchFileSystem.TmpfsAsync(16);
        await fs.RemountReadOnlyAsync();

        var e = Assert.Throws<StorageException>(() => RocksDbStateStore.Open(fs.Path));

        Assert.Contains($"{fs.Path} is not writable", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_ExistingDatabaseOnReadOnlyFileSystem_SaysNotWritable()
    {
        await using var fs = await ScratchFileSystem.TmpfsAsync(16);
        RocksDbStateStore.Open(fs.Path).Dispose();
        await fs.RemountReadOnlyAsync();

        var e = Assert.Throws<StorageException>(() => RocksDbStateStore.Open(fs.Path));

        Assert.Contains($"{fs.Path} is not writable", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_ExistingDatabaseOnFullFileSystem_SaysFull()
    {
        await using var fs = await ScratchFileSystem.TmpfsAsync(16);
        using (var store = RocksDbStateStore.Open(fs.Path))
        {
            await store.RegisterAsync("ann");
        }
        fs.Fill();

        var e = Assert.Throws<StorageException>(() => RocksDbStateStore.Open(fs.Path));

        Assert.Contains($"{fs.Path} is on a full file system: free space there and start castd again.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DiskFullWhileRunning_WritesFailAndSayWhy_ReadsGoOn_ThenReopensWithEveryWriteKept()
    {
        await using var fs = await ScratchFileSystem.TmpfsAsync(16);
        // The smallest write buffer: RocksDB keeps writing into the WAL's preallocated step (1.1 × the buffer) after the
        // disk is full, and this one is used up in a few dozen batches.
        var store = RocksDbStateStore.Open(fs.Path, writeBufferBytes: 64 << 10);
        UsageRecord[] Batch(long milliseconds) => [.. Enumerable.Range(0, 50).Select(c => new UsageRecord("ann", c == 0 ? "live01" : $"other{c:D2}", Bucket, milliseconds))];
        try
        {
            await store.RegisterAsync("ann");
            await store.AddUsageAsync(Batch(1000), batchId: 1);
            fs.Fill();

            // What returned is durable, the first failure is not.
            var acknowledged = 1000L;
            var batch = 2L;
            StorageException? failure = null;
            for (; failure is null && batch < 10_000; batch++)
            {
                try
                {
                    await store.AddUsageAsync(Batch(7), batch);
                    acknowledged += 7;
                }
                catch (StorageException e)
                {
                    failure = e;
                }
            }

            Assert.NotNull(failure);
            Assert.Contains("No space left on device", failure.Message, StringComparison.Ordinal);
            Assert.Contains("No space left on device", store.Problem, StringComparison.Ordinal);
            await Assert.ThrowsAsync<StorageException>(async () => await store.RegisterAsync("bob"));
            Assert.True(await store.IsRegisteredAsync("ann"));
            Assert.Equal(acknowledged, (await store.GetUsageAsync("ann", Bucket))["live01"]);

            fs.Free();
            Assert.True(SpinWait.SpinUntil(() => store.Problem is null, RecoveryWait), store.Problem);

            await store.AddUsageAsync(Batch(7), batch);
            Assert.True(await store.RegisterAsync("bob"));
            Assert.Equal(acknowledged + 7, (await store.GetUsageAsync("ann", Bucket))["live01"]);
        }
        finally
        {
            store.Dispose();
        }

        using var reopened = RocksDbStateStore.Open(fs.Path);
        Assert.True(await reopened.IsRegisteredAsync("bob"));
    }

    [Fact]
    public async Task FileSystemTurnsReadOnlyWhileRunning_WritesFailAndSayWhy_ThenReopensOnTheRepairedOne()
    {
        await using var fs = await ScratchFileSystem.Ext4Async(64);
        var store = RocksDbStateStore.Open(fs.Path);
        try
        {
            await store.RegisterAsync("ann");
            await store.AddUsageAsync([new("ann", "live01", Bucket, 1000)], batchId: 1);
            await fs.TriggerKernelErrorAsync();

            var e = await Assert.ThrowsAsync<StorageException>(async () => await store.AddUsageAsync([new("ann", "live01", Bucket, 7)], 2));
            Assert.Contains("Read-only file system", e.Message, StringComparison.Ordinal);
            Assert.Contains("Read-only file system", store.Problem, StringComparison.Ordinal);
            Assert.True(await store.IsRegisteredAsync("ann"));

            // Until the repair, reopening fails too, says so, and reads go on from a read-only handle.
            Assert.True(SpinWait.SpinUntil(() => store.Problem?.Contains("reopening failed", StringComparison.Ordinal) == true, RecoveryWait), store.Problem);
            Assert.True(await store.IsRegisteredAsync("ann"));
            Assert.Equal(1000, (await store.GetUsageAsync("ann", Bucket))["live01"]);

            await fs.RepairAndRemountAsync();
            Assert.True(SpinWait.SpinUntil(() => store.Problem is null, RecoveryWait), store.Problem);

            await store.AddUsageAsync([new("ann", "live01", Bucket, 7)], 2);
            Assert.Equal(1007, (await store.GetUsageAsync("ann", Bucket))["live01"]);
        }
        finally
        {
            store.Dispose();
        }
    }
}
