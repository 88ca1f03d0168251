namespace Castd.Daemon.Chat;

/// <summary>
/// A copy-on-write set of chat connections: a handle's tabs or a room's members. Readers take <see cref="Current"/>
/// without a lock; adding and removing copy the array under the set's own lock.
/// </summary>
internal sealed class ChatMembers
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
