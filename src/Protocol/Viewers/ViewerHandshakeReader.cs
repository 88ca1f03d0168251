using System.Buffers;
using System.Text;

namespace Castd.Protocol.Viewers;

/// <summary>Parses the one request line a viewer sends on connect (docs/viewers.md).</summary>
public static class ViewerHandshakeReader
{
    /// <summary>A 64-byte user id, a 64-byte channel name and both option words fit with room to spare.</summary>
    public const int MaxLineLength = 256;

    /// <summary>
    /// Grammar: user-id SP channel *2(SP option) [CR] LF, option = "framed" / "faststart", each at most once; docs/viewers.md, docs/playback.md.
    /// NeedMoreData consumes nothing; InvalidData sets <paramref name="error"/>; Done consumes the line.
    /// </summary>
    public static OperationStatus TryRead(ref SequenceReader<byte> reader, out ViewerRequest request, out HandshakeError error)
    {
        request = default;
        error = HandshakeError.None;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> lineSequence, (byte)'\n', advancePastDelimiter: true))
        {
            if (reader.Remaining >= MaxLineLength)
            {
                error = HandshakeError.LineTooLong;
                return OperationStatus.InvalidData;
            }
            return OperationStatus.NeedMoreData;
        }
        if (lineSequence.Length >= MaxLineLength)
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
        Span<Range> words = stackalloc Range[5];
        var count = SplitOnSpace(line, words);
        if (count < 2 || count > 4)
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
            else
            {
                // Unknown, or given twice.
                return HandshakeError.UnknownOption;
            }
        }
        request = new ViewerRequest(Encoding.ASCII.GetString(user), Encoding.ASCII.GetString(channel), framed, fastStart);
        return HandshakeError.None;
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
