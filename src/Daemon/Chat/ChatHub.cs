using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Castd.Daemon.Hosting;
using Castd.Protocol;
using Castd.Protocol.Buffers;
using Castd.Protocol.Chat;
using Castd.Storage;
using Castd.Storage.Chat;
using Castd.Storage.Sessions;

namespace Castd.Daemon.Chat;

/// <summary>
/// Who is connected and who is in which room, and the routing of direct and room messages (docs/chat.md). Membership
/// arrays are copy-on-write under a per-handle or per-room lock, so routing reads them without locking; a message is
/// parsed, looked up and encoded without allocating (handles are looked up by span, rooms by packed channel id).
/// In a fleet (docs/fleet.md) the bus carries each frame to the other castd with the recipient or room, and counts a handle's
/// connections over all of them; a castd alone has a bus that does nothing.
/// </summary>
internal sealed class ChatHub
{
    private readonly CastdOptions _options;
    private readonly IStateStore _store;
    private readonly ChatFrames _frames;
    private readonly ChatCounters _counters;
    private readonly ISessionStore _sessions;
    private readonly IChatBus _bus;
    private readonly ConcurrentDictionary<string, Members> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Members>.AlternateLookup<ReadOnlySpan<char>> _usersBySpan;
    private readonly ConcurrentDictionary<ChannelId, Members> _rooms = new();

    public ChatHub(CastdOptions options, IStateStore store, ISessionStore sessions, IChatBus bus, ChatFrames frames, ChatCounters counters)
    {
        (_options, _store, _sessions, _bus, _frames, _counters) = (options, store, sessions, bus, frames, counters);
        _usersBySpan = _users.GetAlternateLookup<ReadOnlySpan<char>>();
        bus.Listen(OnFleetFrame);
    }

    /// <summary>
    /// Admits a connection, or says why not (unregistered handle, too many connections). An admitted connection joins
    /// the rooms of the channels its user is watching (docs/chat.md).
    /// </summary>
    public string? TryConnect(ChatConnection connection)
    {
        var tooMany = $"at most {_options.ChatMaxConnectionsPerUser} chat connections per user";
        try
        {
            if (!_options.ChatOpen && !_store.IsRegistered(connection.Handle))
            {
                return $"user {connection.Handle} is not registered";
            }
            if (!Add(_users, connection.Handle, connection, _options.ChatMaxConnectionsPerUser))
            {
                return tooMany;
            }
            if (_bus.TryClaim(connection.Handle, _options.ChatMaxConnectionsPerUser) is not { } claim)
            {
                Remove(_users, connection.Handle, connection);
                return tooMany;
            }
            connection.Claim = claim;
        }
        catch (StorageException)
        {
            Remove(_users, connection.Handle, connection);
            return "state store unavailable";
        }
        _bus.Subscribe(ChatTopic.User, connection.Handle);
        _counters.Connected();
        foreach (var session in WatchedSessions(connection.Handle))
        {
            if (session is { Kind: SessionKind.Stream, Status: SessionStatus.Active } && ChannelId.TryParse(session.Key, out var channel))
            {
                JoinWatchedRoom(connection, channel);
            }
        }
        return null;
    }

    /// <summary>The rooms a new connection joins by itself are a convenience: without the store it joins none.</summary>
    private IReadOnlyList<SessionInfo> WatchedSessions(string handle)
    {
        try
        {
            return _sessions.List(handle);
        }
        catch (StorageException)
        {
            return [];
        }
    }

    /// <summary>A viewer started watching <paramref name="channel"/>: every chat connection of theirs joins its room.</summary>
    public void ViewerStarted(string handle, ChannelId channel)
    {
        if (_users.TryGetValue(handle, out var user))
        {
            foreach (var connection in user.Current)
            {
                JoinWatchedRoom(connection, channel);
            }
        }
    }

    public void Disconnect(ChatConnection connection)
    {
        foreach (var room in connection.Rooms())
        {
            LeaveRoom(connection, room);
        }
        Remove(_users, connection.Handle, connection);
        _bus.Unsubscribe(ChatTopic.User, connection.Handle);
        _bus.Release(connection.Claim!);
        _counters.Disconnected(connection.CutAsSlow);
    }

    /// <summary>Handles one whole message from a client; every outcome answers the sender.</summary>
    public void OnMessage(ChatConnection connection, ReadOnlyMemory<byte> utf8)
    {
        // Unescaped strings are never longer than the JSON they come from.
        var scratch = ArrayPool<byte>.Shared.Rent(utf8.Length);
        try
        {
            var error = ChatRequest.TryParse(utf8.Span, scratch, out var request) ?? Route(connection, request);
            if (error is not null)
            {
                OnError(connection, error);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    public void OnError(ChatConnection connection, string error)
    {
        _counters.CountRejected();
        Answer(connection, _frames.Error(error));
    }

    private string? Route(ChatConnection connection, ChatRequest request)
    {
        if (request.Kind == ChatRequestKind.Direct)
        {
            return SendDirect(connection, request.Target, request.Message);
        }
        if (!ChannelId.TryRead(request.Target, out var room))
        {
            return $"invalid room {Encoding.UTF8.GetString(request.Target)}: rooms are channel ids, six printable ASCII characters";
        }
        return request.Kind switch
        {
            ChatRequestKind.Room => SendToRoom(connection, room, request.Message),
            ChatRequestKind.Join => Join(connection, room),
            ChatRequestKind.Leave => Leave(connection, room),
            _ => Who(connection, room),
        };
    }

    private string? SendDirect(ChatConnection sender, ReadOnlySpan<byte> recipient, ReadOnlySpan<byte> message)
    {
        Span<char> handle = stackalloc char[UserIds.MaxLength];
        var valid = UserIds.IsValid(recipient);
        var local = valid && _usersBySpan.TryGetValue(handle[..Encoding.ASCII.GetChars(recipient, handle)], out var user) && user.Current.Length > 0 ? user.Current : null;
        if (local is null)
        {
            var name = Encoding.UTF8.GetString(recipient);
            try
            {
                if (!valid || !_bus.IsOnlineElsewhere(name))
                {
                    return valid && _store.IsRegistered(name) ? $"user {name} is not online" : $"unknown user {name}";
                }
            }
            catch (StorageException)
            {
                return "state store unavailable";
            }
        }
        var frame = _frames.Direct(sender.Handle, recipient, message);
        if (Publish(ChatTopic.User, recipient, frame) is { } failed && local is null)
        {
            frame.Release();
            return failed;
        }
        if (local is null)
        {
            frame.Release();
        }
        else
        {
            Deliver(local, frame);
        }
        Answer(sender, _frames.Sent());
        return null;
    }

    /// <summary>Hands a frame to the other castd of the fleet; null, or why it could not.</summary>
    private string? Publish(ChatTopic topic, ReadOnlySpan<byte> name, PacketBuffer frame)
    {
        try
        {
            _bus.Publish(topic, name, frame.Raw);
            return null;
        }
        catch (StorageException)
        {
            return "state store unavailable: the message did not reach other servers";
        }
    }

    /// <summary>A frame another castd published for a handle or room that has connections here.</summary>
    private void OnFleetFrame(ChatTopic topic, string name, ReadOnlyMemory<byte> encoded)
    {
        var members = topic == ChatTopic.User
            ? _users.TryGetValue(name, out var user) ? user.Current : null
            : ChannelId.TryParse(name, out var room) && _rooms.TryGetValue(room, out var inRoom) ? inRoom.Current : null;
        if (members is { Length: > 0 })
        {
            Deliver(members, _frames.Copy(encoded.Span));
        }
    }

    private string? SendToRoom(ChatConnection sender, ChannelId room, ReadOnlySpan<byte> message)
    {
        if (!sender.IsIn(room) || !_rooms.TryGetValue(room, out var members))
        {
            return $"join {room} before sending to it";
        }
        var frame = _frames.Room(sender.Handle, room, message);
        Span<byte> name = stackalloc byte[ChannelId.Size];
        room.WriteTo(name);
        // Members here get it even when other servers cannot be reached; the sender hears it was not everyone.
        var failed = Publish(ChatTopic.Room, name, frame);
        Deliver(members.Current, frame);
        if (failed is not null)
        {
            return failed;
        }
        Answer(sender, _frames.Sent());
        return null;
    }

    private string? Join(ChatConnection connection, ChannelId room)
    {
        Enter(connection, room);
        Answer(connection, _frames.Ok($"joined {room}"));
        return null;
    }

    /// <summary>Joins without being asked, so the client hears of it only when it was not in the room yet.</summary>
    private void JoinWatchedRoom(ChatConnection connection, ChannelId room)
    {
        if (Enter(connection, room))
        {
            Answer(connection, _frames.Ok($"joined {room}"));
        }
    }

    private bool Enter(ChatConnection connection, ChannelId room)
    {
        if (!connection.Join(room))
        {
            return false;
        }
        Add(_rooms, room, connection, int.MaxValue);
        _bus.Subscribe(ChatTopic.Room, room.ToString());
        return true;
    }

    private string? Leave(ChatConnection connection, ChannelId room)
    {
        if (!connection.IsIn(room))
        {
            return $"not in room {room}";
        }
        LeaveRoom(connection, room);
        Answer(connection, _frames.Ok($"left {room}"));
        return null;
    }

    /// <summary>Who is in a room, each handle once (for the page's "online" list).</summary>
    private string? Who(ChatConnection connection, ChannelId room)
    {
        var members = _rooms.TryGetValue(room, out var found) ? found.Current : [];
        Answer(connection, _frames.Members(room, members.Select(m => m.Handle).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)));
        return null;
    }

    private void LeaveRoom(ChatConnection connection, ChannelId room)
    {
        connection.Leave(room);
        Remove(_rooms, room, connection);
        _bus.Unsubscribe(ChatTopic.Room, room.ToString());
    }

    /// <summary>One encoded frame, a reference per receiving connection.</summary>
    private void Deliver(ChatConnection[] connections, PacketBuffer frame)
    {
        foreach (var connection in connections)
        {
            connection.Send(frame);
        }
        _counters.CountDelivered(connections.Length);
        frame.Release();
    }

    private static void Answer(ChatConnection connection, PacketBuffer frame)
    {
        connection.Send(frame);
        frame.Release();
    }

    /// <summary>Adds to the set under <paramref name="key"/>, making one if needed (and again if it was just retired).</summary>
    private static bool Add<TKey>(ConcurrentDictionary<TKey, Members> sets, TKey key, ChatConnection connection, int limit)
        where TKey : notnull
    {
        while (true)
        {
            switch (sets.GetOrAdd(key, static _ => new Members()).TryAdd(connection, limit))
            {
                case Members.Added.Yes:
                    return true;
                case Members.Added.Full:
                    return false;
            }
        }
    }

    /// <summary>Removes from the set under <paramref name="key"/>; the set that empties is retired and dropped, so
    /// handles and rooms nobody uses any more take no memory.</summary>
    private static void Remove<TKey>(ConcurrentDictionary<TKey, Members> sets, TKey key, ChatConnection connection)
        where TKey : notnull
    {
        if (sets.TryGetValue(key, out var members) && members.Remove(connection))
        {
            sets.TryRemove(new KeyValuePair<TKey, Members>(key, members));
        }
    }

    /// <summary>A copy-on-write set of connections: a handle's tabs or a room's members.</summary>
    private sealed class Members
    {
        public enum Added
        {
            Yes,
            Full,
            Retired,
        }

        private readonly Lock _lock = new();
        private ChatConnection[] _connections = [];
        private bool _retired;

        public ChatConnection[] Current => Volatile.Read(ref _connections);

        public Added TryAdd(ChatConnection connection, int limit)
        {
            lock (_lock)
            {
                if (_retired)
                {
                    return Added.Retired;
                }
                if (_connections.Length >= limit)
                {
                    return Added.Full;
                }
                Volatile.Write(ref _connections, [.. _connections, connection]);
                return Added.Yes;
            }
        }

        /// <summary>True when this removal emptied the set, which is then retired: nothing can join it any more.</summary>
        public bool Remove(ChatConnection connection)
        {
            lock (_lock)
            {
                var index = Array.IndexOf(_connections, connection);
                if (index < 0)
                {
                    return false;
                }
                Volatile.Write(ref _connections, [.. _connections.AsSpan(0, index), .. _connections.AsSpan(index + 1)]);
                _retired = _connections.Length == 0;
                return _retired;
            }
        }
    }
}
