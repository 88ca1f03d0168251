using System.Buffers;
using System.Text;
using Castd.Protocol;
using Castd.Protocol.Buffers;
using Castd.Protocol.Chat;
using Castd.Storage;
using Castd.Storage.Chat;

namespace Castd.Daemon.Chat;

/// <summary>
/// What a client's message does (docs/chat.md): a direct message to every connection of a handle, a message to a room,
/// join, leave, who. Each frame is encoded once and queued by reference to every receiving connection. The common case
/// (recipients here, no fleet) completes synchronously and allocates nothing; asking the fleet store where a handle is,
/// and publishing to other castd, go asynchronously on copies.
/// </summary>
internal sealed class ChatRouter
{
    private const string FleetUnreachable = "state store unavailable: the message did not reach other servers";

    private readonly IStateStore _store;
    private readonly IChatBus _bus;
    private readonly ChatRoster _roster;
    private readonly ChatFrames _frames;
    private readonly ChatCounters _counters;

    public ChatRouter(IStateStore store, IChatBus bus, ChatRoster roster, ChatFrames frames, ChatCounters counters)
    {
        (_store, _bus, _roster, _frames, _counters) = (store, bus, roster, frames, counters);
        bus.Listen(OnFleetFrame);
    }

    /// <summary>Handles one whole message from a client; every outcome answers the sender.</summary>
    public ValueTask OnMessageAsync(ChatConnection connection, ReadOnlyMemory<byte> utf8)
    {
        if (!connection.TryTakeMessage())
        {
            OnError(connection, "too many messages: slow down (CASTD_CHAT_MESSAGES_PER_SECOND)");
            return default;
        }
        // Unescaped strings are never longer than the JSON they come from.
        var scratch = ArrayPool<byte>.Shared.Rent(utf8.Length);
        string? error;
        Task? pending = null;
        try
        {
            error = ChatRequest.TryParse(utf8.Span, scratch, out var request) ?? Route(connection, request, ref pending);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
        if (error is not null)
        {
            OnError(connection, error);
        }
        return pending is null ? default : new ValueTask(pending);
    }

    public void OnError(ChatConnection connection, string error)
    {
        _counters.CountRejected();
        Answer(connection, _frames.Error(error));
    }

    /// <returns>The error to answer now, or null; <paramref name="pending"/> is set when the rest goes on asynchronously
    /// (and answers the sender itself).</returns>
    private string? Route(ChatConnection connection, ChatRequest request, ref Task? pending)
    {
        if (request.Kind == ChatRequestKind.Direct)
        {
            return SendDirect(connection, request.Target, request.Message, ref pending);
        }
        if (!ChannelId.TryRead(request.Target, out var room))
        {
            return $"invalid room {Encoding.UTF8.GetString(request.Target)}: rooms are channel ids, six printable ASCII characters";
        }
        return request.Kind switch
        {
            ChatRequestKind.Room => SendToRoom(connection, room, request.Message, ref pending),
            ChatRequestKind.Join => Join(connection, room),
            ChatRequestKind.Leave => Leave(connection, room),
            _ => Who(connection, room),
        };
    }

    private string? SendDirect(ChatConnection sender, ReadOnlySpan<byte> recipient, ReadOnlySpan<byte> message, ref Task? pending)
    {
        Span<char> handle = stackalloc char[UserIds.MaxLength];
        var valid = UserIds.IsValid(recipient);
        var local = valid ? _roster.Connections(handle[..Encoding.ASCII.GetChars(recipient, handle)]) : [];
        if (local.Length == 0)
        {
            var name = Encoding.UTF8.GetString(recipient);
            if (!valid)
            {
                return $"unknown user {name}";
            }
            pending = SendElsewhereAsync(sender, name, _frames.Direct(sender.Handle, recipient, message));
            return null;
        }
        var frame = _frames.Direct(sender.Handle, recipient, message);
        // Every tab here gets it whether or not the other servers can be told.
        var publishing = _bus.PublishAsync(ChatTopic.User, recipient, frame.Raw);
        Deliver(local, frame);
        if (!publishing.IsCompletedSuccessfully)
        {
            pending = IgnoreFailureAsync(publishing);
        }
        Answer(sender, _frames.Sent());
        return null;
    }

    /// <summary>A recipient with no connection here: on another castd of the fleet, or offline, or unknown.</summary>
    private async Task SendElsewhereAsync(ChatConnection sender, string recipient, PacketBuffer frame)
    {
        try
        {
            if (!await _bus.IsOnlineElsewhereAsync(recipient))
            {
                OnError(sender, await _store.IsRegisteredAsync(recipient) ? $"user {recipient} is not online" : $"unknown user {recipient}");
                return;
            }
            await _bus.PublishAsync(ChatTopic.User, Encoding.ASCII.GetBytes(recipient), frame.Raw);
        }
        catch (StorageException)
        {
            OnError(sender, "state store unavailable");
            return;
        }
        finally
        {
            frame.Release();
        }
        Answer(sender, _frames.Sent());
    }

    private string? SendToRoom(ChatConnection sender, ChannelId room, ReadOnlySpan<byte> message, ref Task? pending)
    {
        if (!sender.IsIn(room))
        {
            return $"join {room} before sending to it";
        }
        var frame = _frames.Room(sender.Handle, room, message);
        Span<byte> name = stackalloc byte[ChannelId.Size];
        room.WriteTo(name);
        var publishing = _bus.PublishAsync(ChatTopic.Room, name, frame.Raw);
        // Members here get it even when other servers cannot be reached; the sender hears it was not everyone.
        Deliver(_roster.Members(room), frame);
        if (publishing.IsCompletedSuccessfully)
        {
            Answer(sender, _frames.Sent());
        }
        else
        {
            pending = AnswerWhenPublishedAsync(sender, publishing);
        }
        return null;
    }

    private async Task AnswerWhenPublishedAsync(ChatConnection sender, Task publishing)
    {
        try
        {
            await publishing;
        }
        catch (StorageException)
        {
            OnError(sender, FleetUnreachable);
            return;
        }
        Answer(sender, _frames.Sent());
    }

    private static async Task IgnoreFailureAsync(Task publishing)
    {
        try
        {
            await publishing;
        }
        catch (StorageException)
        {
            // The recipient's tabs here have it; the other servers' will not.
        }
    }

    /// <summary>A frame another castd published for a handle or room that has connections here.</summary>
    private void OnFleetFrame(ChatTopic topic, string name, ReadOnlyMemory<byte> encoded)
    {
        var members = topic == ChatTopic.User ? _roster.Connections(name)
            : ChannelId.TryParse(name, out var room) ? _roster.Members(room) : [];
        if (members.Length > 0)
        {
            Deliver(members, _frames.Copy(encoded.Span));
        }
    }

    private string? Join(ChatConnection connection, ChannelId room)
    {
        if (!_roster.Enter(connection, room) && !connection.IsIn(room))
        {
            return $"in too many rooms: at most {connection.MaxRooms} a connection";
        }
        Answer(connection, _frames.Ok($"joined {room}"));
        return null;
    }

    private string? Leave(ChatConnection connection, ChannelId room)
    {
        if (!connection.IsIn(room))
        {
            return $"not in room {room}";
        }
        _roster.Leave(connection, room);
        Answer(connection, _frames.Ok($"left {room}"));
        return null;
    }

    /// <summary>Who is in a room, each handle once (for the page's "online" list).</summary>
    private string? Who(ChatConnection connection, ChannelId room)
    {
        Answer(connection, _frames.Members(room, _roster.Members(room).Select(m => m.Handle).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)));
        return null;
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
}
