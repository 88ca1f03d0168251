using System.Text.Json;
using System.Text.Unicode;

namespace Castd.Daemon.Chat;

/// <summary>What a client asked for in one message (SPEC §6); a <c>sender</c> field is read past, never trusted.</summary>
internal readonly record struct ChatRequest(string? Recipient, string? Room, string? Join, string? Leave, string? Who, string? Message)
{
    /// <summary>Parses one text message; null with <paramref name="error"/> set when it is not a request castd understands.</summary>
    public static ChatRequest? Parse(ReadOnlySpan<byte> utf8, out string? error)
    {
        error = null;
        if (!Utf8.IsValid(utf8))
        {
            error = "invalid UTF-8";
            return null;
        }
        string? recipient = null, room = null, join = null, leave = null, who = null, message = null;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "expected a JSON object";
                return null;
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
                var value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
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
                error = "invalid JSON";
                return null;
            }
        }
        catch (JsonException)
        {
            error = "invalid JSON";
            return null;
        }
        return new ChatRequest(recipient, room, join, leave, who, message);
    }
}
