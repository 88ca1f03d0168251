using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using Castd.Protocol.Chat;
using static Castd.Fuzz.Targets.FuzzInvariantException;

namespace Castd.Fuzz.Targets;

/// <summary>
/// One chat client message (docs/chat.md) through <see cref="ChatRequest.TryParse"/> with a scratch buffer exactly as long
/// as the message (the least the hub promises): it answers an error or a request, never throws; a request's target and
/// text lie in the scratch buffer, are valid UTF-8 (the hub writes them into JSON frames) and parse back to the same
/// request from the JSON castd would write for them.
/// </summary>
internal static class ChatRequestTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var scratch = new byte[input.Length];
        var error = ChatRequest.TryParse(input, scratch, out var request);
        if (!Utf8.IsValid(input))
        {
            ThrowUnless(error == "invalid UTF-8", "invalid UTF-8 is refused as such");
        }
        if (error is not null)
        {
            return;
        }
        ThrowUnless(Enum.IsDefined(request.Kind), "the kind is a known one");
        ThrowUnless(IsWithin(scratch, request.Target) && IsWithin(scratch, request.Message), "the target and the text lie in the scratch buffer");
        ThrowUnless(Utf8.IsValid(request.Target) && Utf8.IsValid(request.Message), "the target and the text are valid UTF-8");

        var canonical = Canonical(request);
        var again = new byte[canonical.Length];
        ThrowUnless(ChatRequest.TryParse(canonical, again, out var reparsed) is null, "the canonical form of a request parses");
        ThrowUnless(reparsed.Kind == request.Kind && reparsed.Target.SequenceEqual(request.Target)
            && reparsed.Message.SequenceEqual(request.Message), "a request round-trips through its canonical JSON");
    }

    private static bool IsWithin(ReadOnlySpan<byte> buffer, ReadOnlySpan<byte> part) =>
        part.IsEmpty || (buffer.Overlaps(part, out var offset) && offset >= 0 && offset + part.Length <= buffer.Length);

    private static byte[] Canonical(ChatRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            var field = request.Kind switch
            {
                ChatRequestKind.Direct => "recipient"u8,
                ChatRequestKind.Room => "room"u8,
                ChatRequestKind.Join => "join"u8,
                ChatRequestKind.Leave => "leave"u8,
                _ => "who"u8,
            };
            json.WriteString(field, request.Target);
            if (request.Kind is ChatRequestKind.Direct or ChatRequestKind.Room)
            {
                json.WriteString("message"u8, request.Message);
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
