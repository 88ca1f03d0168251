using Castd.Protocol;
using Castd.Storage;
using Castd.Storage.Chat;
using Castd.Storage.Sessions;

namespace Castd.Daemon.Chat;

/// <summary>
/// Who may chat and how a connection comes and goes (docs/chat.md): a registered handle (unless chat is open), at most
/// <see cref="ChatOptions.MaxConnectionsPerUser"/> connections a handle here and, in a fleet, over every castd. A
/// connection joins by itself the rooms of the channels its user is watching, now or later.
/// </summary>
internal sealed class ChatGate(ChatOptions options, IStateStore store, ISessionStore sessions, IChatBus bus, ChatRoster roster, ChatFrames frames, ChatCounters counters)
{
    /// <summary>Admits a connection, or says why not (unregistered handle, too many connections, store down).</summary>
    public async ValueTask<string?> TryConnectAsync(ChatConnection connection)
    {
        var tooMany = $"at most {options.MaxConnectionsPerUser} chat connections per user";
        try
        {
            if (!options.Open && !await store.IsRegisteredAsync(connection.Handle))
            {
                return $"user {connection.Handle} is not registered";
            }
            if (!roster.TryAddUser(connection, options.MaxConnectionsPerUser))
            {
                return tooMany;
            }
            if (await bus.TryClaimAsync(connection.Handle, options.MaxConnectionsPerUser) is not { } claim)
            {
                roster.RemoveUser(connection);
                return tooMany;
            }
            connection.Claim = claim;
        }
        catch (StorageException)
        {
            roster.RemoveUser(connection);
            return "state store unavailable";
        }
        bus.Subscribe(ChatTopic.User, connection.Handle);
        counters.Connected();
        foreach (var session in await WatchedSessionsAsync(connection.Handle))
        {
            if (session is { Kind: SessionKind.Stream, Status: SessionStatus.Active } && ChannelId.TryParse(session.Key, out var channel))
            {
                JoinWatchedRoom(connection, channel);
            }
        }
        return null;
    }

    /// <summary>A viewer started watching <paramref name="channel"/>: every chat connection of theirs joins its room.</summary>
    public void ViewerStarted(string handle, ChannelId channel)
    {
        foreach (var connection in roster.Connections(handle))
        {
            JoinWatchedRoom(connection, channel);
        }
    }

    public void Disconnect(ChatConnection connection)
    {
        foreach (var room in connection.Rooms())
        {
            roster.Leave(connection, room);
        }
        roster.RemoveUser(connection);
        bus.Unsubscribe(ChatTopic.User, connection.Handle);
        bus.Release(connection.Claim!);
        counters.Disconnected(connection.CutAsSlow);
    }

    /// <summary>The rooms a new connection joins by itself are a convenience: without the store it joins none.</summary>
    private async ValueTask<IReadOnlyList<SessionInfo>> WatchedSessionsAsync(string handle)
    {
        try
        {
            return await sessions.ListAsync(handle);
        }
        catch (StorageException)
        {
            return [];
        }
    }

    /// <summary>Joins without being asked, so the client hears of it only when it was not in the room yet.</summary>
    private void JoinWatchedRoom(ChatConnection connection, ChannelId room)
    {
        if (roster.Enter(connection, room))
        {
            var frame = frames.Ok($"joined {room}");
            connection.Send(frame);
            frame.Release();
        }
    }
}
