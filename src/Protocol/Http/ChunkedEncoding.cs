using System.Buffers.Text;

namespace Castd.Protocol.Http;

/// <summary>HTTP/1.1 chunked transfer coding (RFC 9112 §7.1) as castd sends it: chunk = size-in-hex CRLF data CRLF.</summary>
public static class ChunkedEncoding
{
    /// <summary>Eight hex digits (any int) and CRLF.</summary>
    public const int MaxSizeLineLength = 10;

    /// <summary>The CRLF after a chunk's data. Pinned: senders hand its address to sendmsg.</summary>
    public static ArraySegment<byte> Crlf { get; } = new(Pinned("\r\n"u8));

    /// <summary>Writes <c>size-in-hex CRLF</c> into <paramref name="destination"/>; returns its length.</summary>
    public static int WriteSizeLine(Span<byte> destination, int size)
    {
        Utf8Formatter.TryFormat(size, destination, out var written, new System.Buffers.StandardFormat('X'));
        destination[written++] = (byte)'\r';
        destination[written++] = (byte)'\n';
        return written;
    }

    private static byte[] Pinned(ReadOnlySpan<byte> bytes)
    {
        var array = GC.AllocateArray<byte>(bytes.Length, pinned: true);
        bytes.CopyTo(array);
        return array;
    }
}
