using System.Buffers;
using System.Text;

namespace Castd.Protocol.Viewers;

/// <summary>Parses the one request line a viewer sends on connect (docs/viewers.md).</summary>
public static class ViewerHandshakeReader
{
    /// <summary>A 64-byte user id, a 64-byte channel name and both option words fit with room to spare.</summary>
    public const int MaxLineLength = 256;

    /// <summary>With tokens (docs/security.md): an ES256 token with a long <c>sub</c> is about 500 bytes; 4 KiB leaves room for
    /// larger claims and is still one small read.</summary>
    public const int MaxLineLengthWithToken = 4096;

    private static ReadOnlySpan<byte> TokenPrefix => "token="u8;

    /// <summary>
    /// Grammar: user-id SP channel *3(SP option) [CR] LF, option = "framed" / "faststart" / "token=" 1*VCHAR, each at most
    /// once; docs/viewers.md, docs/security.md. NeedMoreData consumes nothing; InvalidData sets <paramref name="error"/>;
    /// Done consumes the line, which is at most <paramref name="maxLineLength"/> bytes.
    /// </summary>
    public static OperationStatus TryRead(ref SequenceReader<byte> reader, out ViewerRequest request, out HandshakeError error, int maxLineLength = MaxLineLength)
    {
        request = default;
        error = HandshakeError.None;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> lineSequence, (byte)'\n', advancePastDelimiter: true))
        {
            if (reader.Remaining >= maxLineLength)
            {
                error = HandshakeError.LineTooLong;
                return OperationStatus.InvalidData;
            }
            return OperationStatus.NeedMoreData;
        }
        if (lineSequence.Length >= maxLineLength)
        {
            error = HandshakeError.LineTooLong;
            return OperationStatus.InvalidData;
        }

        Span<byte> line = stackalloc byte[(int)lineSequence.Length];
        lineSequence.CopyTo(line);
        if (line is [.., (byte)'\r'])
        {
            line = line[..^1];
        }
        error = Parse(line, out request);
        return error == HandshakeError.None ? OperationStatus.Done : OperationStatus.InvalidData;
    }

    private static HandshakeError Parse(ReadOnlySpan<byte> line, out ViewerRequest request)
    {
        request = default;
        Span<Range> words = stackalloc Range[6];
        var count = SplitOnSpace(line, words);
        // At most two option words, and a token word beside them.
        if (count < 2 || count > 5 || count == 5 && !HasTokenWord(line, words[2..count]))
        {
            return HandshakeError.Malformed;
        }
        foreach (var word in words[..count])
        {
            if (word.GetOffsetAndLength(line.Length).Length == 0)
            {
                // Doubled, leading or trailing spaces: the line's shape is wrong, whatever its words are.
                return HandshakeError.Malformed;
            }
        }
        var user = line[words[0]];
        if (!UserIds.IsValid(user))
        {
            return user.IsEmpty ? HandshakeError.Malformed : HandshakeError.InvalidUserId;
        }
        var channel = line[words[1]];
        if (!ChannelNames.IsValid(channel))
        {
            return HandshakeError.InvalidChannelId;
        }
        var framed = false;
        var fastStart = false;
        string? token = null;
        foreach (var word in words[2..count])
        {
            var option = line[word];
            if (option.SequenceEqual("framed"u8) && !framed)
            {
                framed = true;
            }
            else if (option.SequenceEqual("faststart"u8) && !fastStart)
            {
                fastStart = true;
            }
            else if (option.Length > TokenPrefix.Length && option.StartsWith(TokenPrefix) && token is null)
            {
                // Whether it is a token at all is the verifier's to say (ERR 401 malformed token).
                token = Encoding.ASCII.GetString(option[TokenPrefix.Length..]);
            }
            else
            {
                // Unknown, or given twice.
                return HandshakeError.UnknownOption;
            }
        }
        request = new ViewerRequest(Encoding.ASCII.GetString(user), Encoding.ASCII.GetString(channel), framed, fastStart, token);
        return HandshakeError.None;
    }

    private static bool HasTokenWord(ReadOnlySpan<byte> line, ReadOnlySpan<Range> options)
    {
        foreach (var option in options)
        {
            if (line[option].StartsWith(TokenPrefix))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Splits on single spaces; returns how many words there were (more than <paramref name="words"/> holds means too many).</summary>
    private static int SplitOnSpace(ReadOnlySpan<byte> line, Span<Range> words)
    {
        var count = 0;
        var start = 0;
        while (true)
        {
            var space = line[start..].IndexOf((byte)' ');
            var end = space < 0 ? line.Length : start + space;
            if (count == words.Length)
            {
                return count + 1;
            }
            words[count++] = new Range(start, end);
            if (space < 0)
            {
                return count;
            }
            start = end + 1;
        }
    }
}
