using Castd.Storage;
using Xunit;

namespace Castd.Tests.Storage;

public sealed class RegistrationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Register_NewUser_ReturnsTrue()
    {
        using var store = RocksDbStateStore.Open(_directory.Path);

        Assert.True(store.Register("alice"));
        Assert.True(store.IsRegistered("alice"));
    }

    [Fact]
    public void Register_SameUserTwice_IsIdempotent()
    {
        using var store = RocksDbStateStore.Open(_directory.Path);

        Assert.True(store.Register("alice"));
        Assert.False(store.Register("alice"));
        Assert.True(store.IsRegistered("alice"));
    }

    [Fact]
    public void Register_ThenReopen_IsStillRegistered()
    {
        using (var store = RocksDbStateStore.Open(_directory.Path))
        {
            store.Register("alice");
        }

        using var reopened = RocksDbStateStore.Open(_directory.Path);

        Assert.True(reopened.IsRegistered("alice"));
        Assert.False(reopened.Register("alice"));
    }

    [Fact]
    public void IsRegistered_UnknownUser_ReturnsFalse()
    {
        using var store = RocksDbStateStore.Open(_directory.Path);
        store.Register("alice");

        Assert.False(store.IsRegistered("bob"));
        Assert.False(store.IsRegistered("alic"));
    }

    [Fact]
    public void Register_UserIdWithNul_IsRejected()
    {
        using var store = RocksDbStateStore.Open(_directory.Path);

        Assert.Throws<ArgumentException>(() => store.Register("a\0b"));
    }
}
