using System.Buffers;
using System.Text;

namespace Castd.Protocol.Http;

/// <summary>
/// Reads the head of an HTTP playback request (docs/playback.md) on a connection castd serves itself, so the stream can go
/// to the socket without Kestrel's response pipe copying it per viewer. Only the request line matters; the header
/// fields are skipped.
/// </summary>
public static class LiveRequestReader
{
    /// <summary>The prefix that marks a connection as a playback connection.</summary>
    public static ReadOnlySpan<byte> Prefix => "GET /live/"u8;

    /// <summary>Kestrel's default limit for a request head (MaxRequestHeadersTotalSize, 32 KiB).</summary>
    public const int MaxHeadLength = 32 * 1024;

    /// <summary>Kestrel's default limit for the request line (MaxRequestLineSize, 8 KiB).</summary>
    public const int MaxRequestLineLength = 8 * 1024;

    /// <summary>Done when <paramref name="start"/> begins with <see cref="Prefix"/>, InvalidData when it cannot, else NeedMoreData.</summary>
    public static OperationStatus IsLiveRequest(in ReadOnlySequence<byte> start)
    {
        Span<byte> head = stackalloc byte[Prefix.Length];
        var visible = (int)long.Min(start.Length, head.Length);
        start.Slice(0, visible).CopyTo(head);
        if (!Prefix.StartsWith(head[..visible]))
        {
            return OperationStatus.InvalidData;
        }
        return visible == Prefix.Length ? OperationStatus.Done : OperationStatus.NeedMoreData;
    }

    /// <summary>
    /// Grammar: "GET" SP "/live/" channel ".ts" ["?" query] SP "HTTP/1." DIGIT CRLF *(field-line CRLF) CRLF, query
    /// holding user=&lt;id&gt; (percent-decoded); RFC 9112 §3, docs/playback.md. NeedMoreData consumes nothing; Done consumes
    /// the head; InvalidData sets <paramref name="error"/>.
    /// </summary>
    public static OperationStatus TryRead(ref SequenceReader<byte> reader, out LiveRequest request, out LiveRequestError error)
    {
        request = default;
        error = LiveRequestError.None;
        var ahead = reader;
        if (!ahead.TryReadTo(out ReadOnlySequence<byte> head, "\r\n\r\n"u8))
        {
            if (reader.Remaining < MaxHeadLength)
            {
                return OperationStatus.NeedMoreData;
            }
            error = LiveRequestError.HeadTooLarge;
            return OperationStatus.InvalidData;
        }
        var fields = new SequenceReader<byte>(head);
        var line = fields.TryReadTo(out ReadOnlySequence<byte> firstLine, "\r\n"u8) ? firstLine : head;
        if (head.Length > MaxHeadLength || line.Length > MaxRequestLineLength)
        {
            error = LiveRequestError.HeadTooLarge;
            return OperationStatus.InvalidData;
        }
        reader = ahead;
        Span<byte> copy = stackalloc byte[(int)line.Length];
        line.CopyTo(copy);
        error = ParseRequestLine(copy, out request);
        if (error != LiveRequestError.None)
        {
            return OperationStatus.InvalidData;
        }
        request = request with { Origin = FindOrigin(ref fields) };
        return OperationStatus.Done;
    }

    /// <summary>The value of the head's <c>Origin</c> field (RFC 6454), or null; every other field is read past.</summary>
    private static string? FindOrigin(ref SequenceReader<byte> fields)
    {
        var name = "origin:"u8;
        Span<byte> start = stackalloc byte[name.Length];
        while (fields.TryReadTo(out ReadOnlySequence<byte> field, "\r\n"u8) || TryTakeRest(ref fields, out field))
        {
            if (field.Length > name.Length)
            {
                field.Slice(0, name.Length).CopyTo(start);
                if (Ascii.EqualsIgnoreCase(start, name))
                {
                    return Encoding.ASCII.GetString(field.Slice(name.Length)).Trim(' ', '\t');
                }
            }
        }
        return null;
    }

    /// <summary>The head's last field, which has no CRLF of its own here (the head was cut before the empty line).</summary>
    private static bool TryTakeRest(ref SequenceReader<byte> fields, out ReadOnlySequence<byte> field)
    {
        field = fields.UnreadSequence;
        fields.AdvanceToEnd();
        return !field.IsEmpty;
    }

    private static LiveRequestError ParseRequestLine(ReadOnlySpan<byte> line, out LiveRequest request)
    {
        request = default;
        var firstSpace = line.IndexOf((byte)' ');
        var lastSpace = line.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace == firstSpace)
        {
            return LiveRequestError.Malformed;
        }
        var version = line[(lastSpace + 1)..];
        if (version.Length != 8 || !version.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)version[7]))
        {
            return LiveRequestError.Malformed;
        }
        if (!line[..firstSpace].SequenceEqual("GET"u8))
        {
            return LiveRequestError.MethodNotAllowed;
        }
        return TryParseTarget(line[(firstSpace + 1)..lastSpace], chunked: version[7] != (byte)'0', out request);
    }

    /// <summary>
    /// Grammar: "/live/" channel ".ts" ["?" query], the query holding user=&lt;id&gt; and perhaps token=&lt;jwt&gt;, the path and
    /// user percent-decoded (docs/playback.md, docs/security.md; a token's characters need no escapes).
    /// Also used for a playback request Kestrel parsed (on a connection that began with another request).
    /// </summary>
    public static LiveRequestError TryParseTarget(ReadOnlySpan<byte> target, bool chunked, out LiveRequest request)
    {
        request = default;
        var query = target.IndexOf((byte)'?');
        var path = query < 0 ? target : target[..query];
        if (!path.StartsWith("/live/"u8) || !path.EndsWith(".ts"u8))
        {
            return LiveRequestError.NotFound;
        }
        Span<byte> decoded = stackalloc byte[path.Length];
        var channelLength = PercentDecode(path["/live/".Length..^".ts".Length], decoded);
        if (channelLength < 0 || !ChannelNames.IsValid(decoded[..channelLength]))
        {
            return LiveRequestError.InvalidChannelId;
        }
        var user = query < 0 ? default : FindParameter(target[(query + 1)..], "user"u8);
        if (user.IsEmpty)
        {
            return LiveRequestError.MissingUserId;
        }
        Span<byte> userBytes = stackalloc byte[user.Length];
        var userLength = PercentDecode(user, userBytes);
        if (userLength < 0 || !UserIds.IsValid(userBytes[..userLength]))
        {
            return LiveRequestError.InvalidUserId;
        }
        var token = query < 0 ? default : FindParameter(target[(query + 1)..], "token"u8);
        request = new LiveRequest(Encoding.ASCII.GetString(userBytes[..userLength]), Encoding.ASCII.GetString(decoded[..channelLength]), chunked,
            token.IsEmpty ? null : Encoding.ASCII.GetString(token));
        return LiveRequestError.None;
    }

    /// <summary>The raw value of <paramref name="name"/> in an <c>a=b&amp;c=d</c> query; empty when absent.</summary>
    private static ReadOnlySpan<byte> FindParameter(ReadOnlySpan<byte> query, ReadOnlySpan<byte> name)
    {
        foreach (var range in query.Split((byte)'&'))
        {
            var pair = query[range];
            if (pair.Length > name.Length && pair.StartsWith(name) && pair[name.Length] == (byte)'=')
            {
                return pair[(name.Length + 1)..];
            }
        }
        return default;
    }

    /// <summary>%XX-decodes <paramref name="source"/>; returns the length written, −1 for a broken escape.</summary>
    private static int PercentDecode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var written = 0;
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] != (byte)'%')
            {
                destination[written++] = source[i];
                continue;
            }
            if (i + 2 >= source.Length || !char.IsAsciiHexDigit((char)source[i + 1]) || !char.IsAsciiHexDigit((char)source[i + 2]))
            {
                return -1;
            }
            destination[written++] = (byte)((HexValue(source[i + 1]) << 4) | HexValue(source[i + 2]));
            i += 2;
        }
        return written;
    }

    private static int HexValue(byte digit) => digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10;
}
