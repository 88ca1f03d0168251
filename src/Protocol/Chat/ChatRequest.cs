using System.Text.Json;
using System.Text.Unicode;

namespace Castd.Protocol.Chat;

public enum ChatRequestKind
{
    Direct,
    Room,
    Join,
    Leave,
    Who,
}

/// <summary>
/// What a client asked for in one message (docs/chat.md): <see cref="Target"/> is the recipient's handle or the room,
/// both as unescaped UTF-8 in the caller's scratch buffer, so a message is routed without a string of its own. A
/// <c>sender</c> field is read past, never trusted.
/// </summary>
public readonly ref struct ChatRequest(ChatRequestKind kind, ReadOnlySpan<byte> target, ReadOnlySpan<byte> message)
{
    public const string UnpairedSurrogate = "invalid JSON: a \\u escape is half a UTF-16 surrogate pair";

    public const string Expected = "expected {\"recipient\",\"message\"}, {\"room\",\"message\"}, {\"join\"}, {\"leave\"} or {\"who\"}";

    public ChatRequestKind Kind { get; } = kind;

    public ReadOnlySpan<byte> Target { get; } = target;

    public ReadOnlySpan<byte> Message { get; } = message;

    /// <summary>
    /// Grammar: one JSON object whose string fields recipient, room, join, leave, who and message are read, any other
    /// field read past; docs/chat.md. Parses one message, unescaping its strings into <paramref name="scratch"/> (at least
    /// as long as the message); returns the error to answer when it is not a request castd understands.
    /// </summary>
    public static string? TryParse(ReadOnlySpan<byte> utf8, Span<byte> scratch, out ChatRequest request)
    {
        request = default;
        if (!Utf8.IsValid(utf8))
        {
            return "invalid UTF-8";
        }
        Range? recipient = null, room = null, join = null, leave = null, who = null, message = null;
        var used = 0;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "expected a JSON object";
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }
                Range? value = null;
                if (reader.TokenType == JsonTokenType.String)
                {
                    var length = reader.CopyString(scratch[used..]);
                    value = used..(used + length);
                    used += length;
                }
                if (name.SequenceEqual("recipient"u8))
                {
                    recipient = value;
                }
                else if (name.SequenceEqual("room"u8))
                {
                    room = value;
                }
                else if (name.SequenceEqual("join"u8))
                {
                    join = value;
                }
                else if (name.SequenceEqual("leave"u8))
                {
                    leave = value;
                }
                else if (name.SequenceEqual("who"u8))
                {
                    who = value;
                }
                else if (name.SequenceEqual("message"u8))
                {
                    message = value;
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return "invalid JSON";
            }
        }
        catch (JsonException)
        {
            return "invalid JSON";
        }
        catch (InvalidOperationException)
        {
            // Thrown by CopyString alone: a \u escape of half a surrogate pair is well-formed JSON but has no UTF-8
            // form (RFC 8259 §8.2), so the message cannot be routed or re-encoded. Found by fuzzing (issue 9).
            return UnpairedSurrogate;
        }

        ReadOnlySpan<byte> parsed = scratch;
        (ChatRequestKind Kind, Range Target, Range Message)? found = (join, leave, who, room, recipient, message) switch
        {
            ({ } target, _, _, _, _, _) => (ChatRequestKind.Join, target, default),
            (_, { } target, _, _, _, _) => (ChatRequestKind.Leave, target, default),
            (_, _, { } target, _, _, _) => (ChatRequestKind.Who, target, default),
            (_, _, _, { } target, _, { } text) => (ChatRequestKind.Room, target, text),
            (_, _, _, _, { } target, { } text) => (ChatRequestKind.Direct, target, text),
            _ => null,
        };
        if (found is not { } chosen)
        {
            return Expected;
        }
        request = new ChatRequest(chosen.Kind, parsed[chosen.Target], parsed[chosen.Message]);
        return null;
    }
}
