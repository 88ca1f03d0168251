using Castd.Storage;
using Castd.Storage.Embedded;
using Xunit;

namespace Castd.Tests.Storage;

public sealed class RegistrationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Register_NewUser_ReturnsTrue()
    {
        using var store = RocksDbStateStore.Open(_directory.Path);

        Assert.True(await store.RegisterAsync("alice"));
        Assert.True(await store.IsRegisteredAsync("alice"));
    }

    [Fact]
    public async Task Register_SameUserTwice_IsIdempotent()
    {
        using var store = RocksDbStateStore.Open(_directory.Path);

        Assert.True(await store.RegisterAsync("alice"));
        Assert.False(await store.RegisterAsync("alice"));
        Assert.True(await store.IsRegisteredAsync("alice"));
    }

    [Fact]
    public async Task Register_ThenReopen_IsStillRegistered()
    {
        using (var store = RocksDbStateStore.Open(_directory.Path))
        {
            await store.RegisterAsync("alice");
        }

        using var reopened = RocksDbStateStore.Open(_directory.Path);

        Assert.True(await reopened.IsRegisteredAsync("alice"));
        Assert.False(await reopened.RegisterAsync("alice"));
    }

    [Fact]
    public async Task IsRegistered_UnknownUser_ReturnsFalse()
    {
        using var store = RocksDbStateStore.Open(_directory.Path);
        await store.RegisterAsync("alice");

        Assert.False(await store.IsRegisteredAsync("bob"));
        Assert.False(await store.IsRegisteredAsync("alic"));
    }

    [Fact]
    public async Task Register_UserIdWithNul_IsRejected()
    {
        using var store = RocksDbStateStore.Open(_directory.Path);

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.RegisterAsync("a\0b"));
    }
}
