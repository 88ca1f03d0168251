using System.Collections.Concurrent;
using Castd.Protocol;
using Castd.Storage.Chat;

namespace Castd.Daemon.Chat;

/// <summary>
/// Who is connected under which handle, and who is in which room (docs/chat.md). Sets that empty are dropped, so handles
/// and rooms nobody uses take no memory; lookups never lock and never allocate (handles by span, rooms by packed id).
/// In a fleet the bus hears a handle's or a room's topic while anyone here has it.
/// </summary>
internal sealed class ChatRoster
{
    private readonly IChatBus _bus;
    private readonly ConcurrentDictionary<string, ChatMembers> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ChatMembers>.AlternateLookup<ReadOnlySpan<char>> _usersBySpan;
    private readonly ConcurrentDictionary<ChannelId, ChatMembers> _rooms = new();

    public ChatRoster(IChatBus bus)
    {
        _bus = bus;
        _usersBySpan = _users.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Adds a connection under its handle unless the handle already has <paramref name="limit"/> here.</summary>
    public bool TryAddUser(ChatConnection connection, int limit) => Add(_users, connection.Handle, connection, limit);

    public void RemoveUser(ChatConnection connection) => Remove(_users, connection.Handle, connection);

    /// <summary>The handle's connections here; empty when none.</summary>
    public ChatConnection[] Connections(string handle) => _users.TryGetValue(handle, out var user) ? user.Current : [];

    public ChatConnection[] Connections(ReadOnlySpan<char> handle) => _usersBySpan.TryGetValue(handle, out var user) ? user.Current : [];

    public ChatConnection[] Members(ChannelId room) => _rooms.TryGetValue(room, out var members) ? members.Current : [];

    /// <summary>Puts the connection in the room; false when it was in already.</summary>
    public bool Enter(ChatConnection connection, ChannelId room)
    {
        if (!connection.Join(room))
        {
            return false;
        }
        Add(_rooms, room, connection, int.MaxValue);
        _bus.Subscribe(ChatTopic.Room, room.ToString());
        return true;
    }

    public void Leave(ChatConnection connection, ChannelId room)
    {
        connection.Leave(room);
        Remove(_rooms, room, connection);
        _bus.Unsubscribe(ChatTopic.Room, room.ToString());
    }

    /// <summary>Adds to the set under <paramref name="key"/>, making one if needed (and again if it was just retired).</summary>
    private static bool Add<TKey>(ConcurrentDictionary<TKey, ChatMembers> sets, TKey key, ChatConnection connection, int limit)
        where TKey : notnull
    {
        while (true)
        {
            switch (sets.GetOrAdd(key, static _ => new ChatMembers()).TryAdd(connection, limit))
            {
                case ChatMembers.Added.Yes:
                    return true;
                case ChatMembers.Added.Full:
                    return false;
            }
        }
    }

    /// <summary>Removes from the set under <paramref name="key"/>; the set that empties is retired and dropped.</summary>
    private static void Remove<TKey>(ConcurrentDictionary<TKey, ChatMembers> sets, TKey key, ChatConnection connection)
        where TKey : notnull
    {
        if (sets.TryGetValue(key, out var members) && members.Remove(connection))
        {
            sets.TryRemove(new KeyValuePair<TKey, ChatMembers>(key, members));
        }
    }
}
