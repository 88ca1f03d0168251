using Castd.Storage.Chat;
using Castd.Storage.Sessions;

namespace Castd.Storage;

/// <summary>
/// The one object castd chooses at start-up for everything it keeps outside a connection: embedded (RocksDB and
/// memory, one castd) or fleet-wide (Redis, docs/fleet.md). Nothing above src/Storage knows which one runs.
/// </summary>
public interface IStateBackend : IAsyncDisposable
{
    IStateStore State { get; }

    ISessionStore Sessions { get; }

    IChatBus Chat { get; }

    /// <summary>Why the backend cannot serve right now (for /readyz), or null when it can. Cheap: no round trip.</summary>
    string? Problem { get; }
}
