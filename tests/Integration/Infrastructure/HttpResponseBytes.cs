using System.Globalization;
using System.Text;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>An HTTP/1.1 response read off a raw socket: status, head, and the body with any chunked coding undone.</summary>
internal sealed record HttpResponseBytes(int Status, string Head, byte[] Body)
{
    /// <summary>Parses <paramref name="bytes"/> from its first byte; a body cut mid-chunk keeps the whole chunks and the part that came.</summary>
    public static HttpResponseBytes Parse(byte[] bytes)
    {
        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            throw new InvalidOperationException($"no complete response head in {bytes.Length} bytes: {Encoding.ASCII.GetString(bytes)}");
        }
        var head = Encoding.ASCII.GetString(bytes, 0, end);
        var status = int.Parse(head.Split(' ')[1], CultureInfo.InvariantCulture);
        var body = bytes[(end + 4)..];
        return new(status, head, head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase) ? Dechunk(body) : body);
    }

    public bool HasHeader(string line) => Head.Split("\r\n").Contains(line, StringComparer.OrdinalIgnoreCase);

    private static byte[] Dechunk(byte[] chunked)
    {
        var body = new MemoryStream();
        var at = 0;
        while (true)
        {
            var lineEnd = chunked.AsSpan(at).IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }
            var size = int.Parse(Encoding.ASCII.GetString(chunked, at, lineEnd), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            at += lineEnd + 2;
            if (size == 0)
            {
                break;
            }
            var available = int.Min(size, chunked.Length - at);
            body.Write(chunked, at, available);
            if (available < size || at + size + 2 > chunked.Length)
            {
                break;
            }
            if (chunked[at + size] != '\r' || chunked[at + size + 1] != '\n')
            {
                throw new InvalidDataException($"chunk of {size} bytes at {at} not followed by CRLF");
            }
            at += size + 2;
        }
        return body.ToArray();
    }
}
