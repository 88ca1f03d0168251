using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Castd.Protocol;
using Castd.Protocol.Buffers;

namespace Castd.Daemon.Chat;

/// <summary>
/// Encodes what castd sends chat clients (docs/chat.md) once per message into a pooled, ref-counted buffer, so a room
/// message is one encoding shared by every member's queue.
/// </summary>
internal sealed class ChatFrames
{
    /// <summary>Escapes only what JSON requires: handles and messages arrive as the user typed them, HTML and all.</summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _threadBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _threadWriter;

    private readonly PacketBufferPool _pool;
    private readonly TimeProvider _time;

    /// <summary>The acknowledgement of every delivered message, encoded once; this class keeps a reference forever.</summary>
    private readonly PacketBuffer _sent;

    public ChatFrames(PacketBufferPool pool, TimeProvider time)
    {
        _pool = pool;
        _time = time;
        _sent = Ok("message sent with success");
    }

    public PacketBuffer Direct(string sender, ReadOnlySpan<byte> recipient, ReadOnlySpan<byte> message) =>
        Message(sender, "recipient"u8, recipient, message);

    public PacketBuffer Room(string sender, ChannelId room, ReadOnlySpan<byte> message)
    {
        Span<byte> name = stackalloc byte[ChannelId.Size];
        room.WriteTo(name);
        return Message(sender, "room"u8, name, message);
    }

    public PacketBuffer Members(ChannelId room, IEnumerable<string> handles)
    {
        var json = Start();
        json.WriteString("room"u8, room.ToString());
        json.WriteStartArray("members"u8);
        foreach (var handle in handles)
        {
            json.WriteStringValue(handle);
        }
        json.WriteEndArray();
        return Finish(json);
    }

    public PacketBuffer Ok(string text) => Single("ok"u8, text);

    /// <summary>A frame another castd encoded (fleet chat), in a pooled buffer like the ones encoded here.</summary>
    public PacketBuffer Copy(ReadOnlySpan<byte> encoded)
    {
        var packet = _pool.Rent();
        encoded.CopyTo(packet.Initialize(0, _time.GetTimestamp(), 0, encoded.Length));
        return packet;
    }

    /// <summary><c>{"ok":"message sent with success"}</c>, with a reference of the caller's own.</summary>
    public PacketBuffer Sent()
    {
        _sent.AddRef();
        return _sent;
    }

    public PacketBuffer Error(string text) => Single("error"u8, text);

    /// <summary>A delivered message: who sent it, to whom or which room, the text, castd's time in Unix ms.</summary>
    private PacketBuffer Message(string sender, ReadOnlySpan<byte> targetField, ReadOnlySpan<byte> target, ReadOnlySpan<byte> message)
    {
        var json = Start();
        json.WriteString("sender"u8, sender);
        json.WriteString(targetField, target);
        json.WriteString("message"u8, message);
        json.WriteNumber("ts"u8, _time.GetUtcNow().ToUnixTimeMilliseconds());
        return Finish(json);
    }

    private PacketBuffer Single(ReadOnlySpan<byte> field, string text)
    {
        var json = Start();
        json.WriteString(field, text);
        return Finish(json);
    }

    private static Utf8JsonWriter Start()
    {
        var buffer = _threadBuffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var json = _threadWriter ??= new Utf8JsonWriter(buffer, WriterOptions);
        json.Reset(buffer);
        json.WriteStartObject();
        return json;
    }

    private PacketBuffer Finish(Utf8JsonWriter json)
    {
        json.WriteEndObject();
        json.Flush();
        var written = _threadBuffer!.WrittenSpan;
        var packet = _pool.Rent();
        written.CopyTo(packet.Initialize(0, _time.GetTimestamp(), 0, written.Length));
        return packet;
    }
}
