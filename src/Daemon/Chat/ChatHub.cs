using System.Collections.Concurrent;
using Castd.Daemon.Hosting;
using Castd.Protocol;
using Castd.Protocol.Buffers;
using Castd.Storage;

namespace Castd.Daemon.Chat;

/// <summary>
/// Who is connected and who is in which room, and the routing of direct and room messages (SPEC §6). Membership
/// arrays are copy-on-write under a per-handle or per-room lock, so routing reads them without locking.
/// </summary>
internal sealed class ChatHub(CastdOptions options, IStateStore store, ChatFrames frames, ChatCounters counters)
{
    private readonly ConcurrentDictionary<string, Members> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Members> _rooms = new(StringComparer.Ordinal);

    /// <summary>Admits a connection, or says why not (unregistered handle, too many connections).</summary>
    public string? TryConnect(ChatConnection connection)
    {
        if (!options.ChatOpen && !store.IsRegistered(connection.Handle))
        {
            return $"user {connection.Handle} is not registered";
        }
        var user = _users.GetOrAdd(connection.Handle, _ => new Members());
        if (!user.TryAdd(connection, options.ChatMaxConnectionsPerUser))
        {
            return $"at most {options.ChatMaxConnectionsPerUser} chat connections per user";
        }
        counters.Connected();
        return null;
    }

    public void Disconnect(ChatConnection connection)
    {
        foreach (var room in connection.Rooms())
        {
            LeaveRoom(connection, room);
        }
        if (_users.TryGetValue(connection.Handle, out var user))
        {
            user.Remove(connection);
        }
        counters.Disconnected(connection.CutAsSlow);
    }

    /// <summary>Handles one whole text message from a client; every outcome answers the sender.</summary>
    public void OnMessage(ChatConnection connection, ReadOnlyMemory<byte> utf8)
    {
        if (ChatRequest.Parse(utf8.Span, out var parseError) is not { } request)
        {
            OnError(connection, parseError!);
            return;
        }
        var error = request switch
        {
            { Join: { } room } => Join(connection, room),
            { Leave: { } room } => Leave(connection, room),
            { Who: { } room } => Who(connection, room),
            { Room: { } room, Message: { } message } => SendToRoom(connection, room, message),
            { Recipient: { } recipient, Message: { } message } => SendDirect(connection, recipient, message),
            _ => "expected {\"recipient\",\"message\"}, {\"room\",\"message\"}, {\"join\"}, {\"leave\"} or {\"who\"}",
        };
        if (error is not null)
        {
            OnError(connection, error);
        }
    }

    public void OnError(ChatConnection connection, string error)
    {
        counters.CountRejected();
        Answer(connection, frames.Error(error));
    }

    private string? SendDirect(ChatConnection sender, string recipient, string message)
    {
        if (!_users.TryGetValue(recipient, out var user) || user.Current.Length == 0)
        {
            return UserIds.IsValid(recipient) && store.IsRegistered(recipient)
                ? $"user {recipient} is not online"
                : $"unknown user {recipient}";
        }
        Deliver(user.Current, frames.Direct(sender.Handle, recipient, message));
        Answer(sender, frames.Ok("message sent with success"));
        return null;
    }

    private string? SendToRoom(ChatConnection sender, string room, string message)
    {
        if (!sender.IsIn(room) || !_rooms.TryGetValue(room, out var members))
        {
            return $"join {room} before sending to it";
        }
        Deliver(members.Current, frames.Room(sender.Handle, room, message));
        Answer(sender, frames.Ok("message sent with success"));
        return null;
    }

    private string? Join(ChatConnection connection, string room)
    {
        if (!ChannelId.TryParse(room, out _))
        {
            return "invalid room: rooms are channel ids, six printable ASCII characters";
        }
        if (connection.Join(room))
        {
            _rooms.GetOrAdd(room, _ => new Members()).TryAdd(connection, int.MaxValue);
        }
        Answer(connection, frames.Ok($"joined {room}"));
        return null;
    }

    private string? Leave(ChatConnection connection, string room)
    {
        if (!connection.IsIn(room))
        {
            return $"not in room {room}";
        }
        LeaveRoom(connection, room);
        Answer(connection, frames.Ok($"left {room}"));
        return null;
    }

    /// <summary>Who is in a room, each handle once (for the page's "online" list).</summary>
    private string? Who(ChatConnection connection, string room)
    {
        var members = _rooms.TryGetValue(room, out var found) ? found.Current : [];
        Answer(connection, frames.Members(room, members.Select(m => m.Handle).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)));
        return null;
    }

    private void LeaveRoom(ChatConnection connection, string room)
    {
        connection.Leave(room);
        if (_rooms.TryGetValue(room, out var members))
        {
            members.Remove(connection);
        }
    }

    /// <summary>One encoded frame, a reference per receiving connection.</summary>
    private void Deliver(ChatConnection[] connections, PacketBuffer frame)
    {
        foreach (var connection in connections)
        {
            connection.Send(frame);
        }
        counters.CountDelivered(connections.Length);
        frame.Release();
    }

    private static void Answer(ChatConnection connection, PacketBuffer frame)
    {
        connection.Send(frame);
        frame.Release();
    }

    /// <summary>A copy-on-write set of connections: a handle's tabs or a room's members.</summary>
    private sealed class Members
    {
        private readonly Lock _lock = new();
        private ChatConnection[] _connections = [];

        public ChatConnection[] Current => Volatile.Read(ref _connections);

        public bool TryAdd(ChatConnection connection, int limit)
        {
            lock (_lock)
            {
                if (_connections.Length >= limit)
                {
                    return false;
                }
                Volatile.Write(ref _connections, [.. _connections, connection]);
                return true;
            }
        }

        public void Remove(ChatConnection connection)
        {
            lock (_lock)
            {
                var index = Array.IndexOf(_connections, connection);
                if (index >= 0)
                {
                    Volatile.Write(ref _connections, [.. _connections.AsSpan(0, index), .. _connections.AsSpan(index + 1)]);
                }
            }
        }
    }
}
