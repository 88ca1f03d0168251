using Castd.Storage.Chat;
using Castd.Storage.Sessions;

namespace Castd.Storage.Embedded;

/// <summary>One castd on its own: RocksDB for what must survive a restart, memory for sessions (they end with the
/// process anyway), and no chat beyond this process.</summary>
internal sealed class EmbeddedBackend(RocksDbStateStore state, InMemorySessionStore sessions) : IStateBackend
{
    public IStateStore State => state;

    public ISessionStore Sessions { get; } = sessions;

    public IChatBus Chat { get; } = LocalChatBus.Instance;

    // Failed writes (disk full or read-only) until the store has reopened its database; /readyz also probes a read.
    public string? Problem => state.Problem;

    public static EmbeddedBackend Open(StateBackendOptions options) =>
        new(RocksDbStateStore.Open(options.DataDirectory, options.WriteBufferBytes), new InMemorySessionStore(options.MaxStreamsPerUser, options.SessionTtl, options.Time));

    public ValueTask DisposeAsync()
    {
        State.Dispose();
        return ValueTask.CompletedTask;
    }
}
