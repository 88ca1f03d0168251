using System.Buffers;
using Castd.Protocol;
using Castd.Protocol.Viewers;
using static Castd.Fuzz.Targets.FuzzInvariantException;

namespace Castd.Fuzz.Targets;

/// <summary>
/// A viewer's first bytes (docs/viewers.md, docs/security.md) through <see cref="ViewerHandshakeReader.TryRead"/>, with the
/// line limit castd uses when it asks for tokens, so token words are reached: NeedMoreData consumes
/// nothing and only while no line end has come, a refusal names why, an accepted line is exactly the canonical
/// request line it parsed to, and every segmentation gives the same answer. Nothing is ever thrown.
/// </summary>
internal static class ViewerHandshakeTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        var expected = Read(new ReadOnlySequence<byte>(bytes));
        Check(bytes, expected);
        foreach (var shape in SequenceShapes.Of(bytes))
        {
            ThrowUnless(Read(shape) == expected, "every segmentation gives the same answer");
        }
    }

    private static Outcome Read(ReadOnlySequence<byte> sequence)
    {
        var reader = new SequenceReader<byte>(sequence);
        var status = ViewerHandshakeReader.TryRead(ref reader, out var request, out var error, ViewerHandshakeReader.MaxLineLengthWithToken);
        return new Outcome(status, error, request, reader.Consumed);
    }

    private static void Check(ReadOnlySpan<byte> bytes, Outcome outcome)
    {
        var newline = bytes.IndexOf((byte)'\n');
        var tooLong = newline >= ViewerHandshakeReader.MaxLineLengthWithToken
            || (newline < 0 && bytes.Length >= ViewerHandshakeReader.MaxLineLengthWithToken);
        ThrowUnless(tooLong == (outcome.Error == HandshakeError.LineTooLong), "a line is refused as too long exactly when it is");
        switch (outcome.Status)
        {
            case OperationStatus.NeedMoreData:
                ThrowUnless(newline < 0 && outcome.Consumed == 0 && outcome.Error == HandshakeError.None,
                    "more data is asked for only before a line end, consuming nothing");
                break;
            case OperationStatus.InvalidData:
                ThrowUnless(outcome.Error != HandshakeError.None, "a refusal says why");
                break;
            case OperationStatus.Done:
                ThrowUnless(outcome.Error == HandshakeError.None && outcome.Consumed == newline + 1, "an accepted line is consumed up to its LF");
                CheckCanonical(bytes[..newline], outcome.Request);
                break;
            default:
                ThrowUnless(false, "the status is NeedMoreData, InvalidData or Done");
                break;
        }
    }

    /// <summary>
    /// The grammar allows one spelling per request (single spaces, optional CR), up to the order of the options
    /// (<c>framed</c>, <c>faststart</c>, <c>token=</c>, each at most once): the accepted line is one of those spellings.
    /// </summary>
    private static void CheckCanonical(ReadOnlySpan<byte> line, ViewerRequest request)
    {
        ThrowUnless(UserIds.IsValid(request.UserId), "an accepted user id is valid");
        string[] options = [.. new[] { request.Framed ? "framed" : null, request.FastStart ? "faststart" : null, request.Token is { } token ? $"token={token}" : null }.OfType<string>()];
        var withoutCr = line is [.., (byte)'\r'] ? line[..^1] : line;
        var matches = false;
        foreach (var order in Orders(options))
        {
            var spelling = string.Join(' ', [$"{request.UserId}", $"{request.Channel}", .. order]);
            matches |= withoutCr.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(spelling));
        }
        ThrowUnless(matches, "an accepted line is the request it parsed to");
    }

    /// <summary>Every order of the option words.</summary>
    private static IEnumerable<string[]> Orders(string[] options) => options.Length <= 1
        ? [options]
        : options.SelectMany((first, i) => Orders([.. options[..i], .. options[(i + 1)..]]).Select(rest => (string[])[first, .. rest]));

    private readonly record struct Outcome(OperationStatus Status, HandshakeError Error, ViewerRequest Request, long Consumed);
}
