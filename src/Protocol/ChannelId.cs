using System.Buffers.Binary;
using System.Text;

namespace Castd.Protocol;

/// <summary>
/// A channel id: exactly six printable ASCII bytes (docs/source.md, offset 5). Packed into a ulong so that
/// the ingest path can look channels up without allocating a string per packet.
/// </summary>
public readonly record struct ChannelId
{
    public const int Size = 6;

    private readonly ulong _packed;

    private ChannelId(ulong packed) => _packed = packed;

    /// <summary>Reads six bytes; false if any byte is not printable ASCII (0x21..0x7E).</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out ChannelId id)
    {
        id = default;
        if (bytes.Length != Size)
        {
            return false;
        }
        foreach (var b in bytes)
        {
            if (b is < 0x21 or > 0x7E)
            {
                return false;
            }
        }
        Span<byte> wide = stackalloc byte[sizeof(ulong)];
        wide.Clear();
        bytes.CopyTo(wide[2..]);
        id = new ChannelId(BinaryPrimitives.ReadUInt64BigEndian(wide));
        return true;
    }

    public static bool TryParse(string? text, out ChannelId id)
    {
        id = default;
        if (text is null || text.Length != Size)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[Size];
        for (var i = 0; i < Size; i++)
        {
            if (text[i] > 0x7F)
            {
                return false;
            }
            bytes[i] = (byte)text[i];
        }
        return TryRead(bytes, out id);
    }

    public static ChannelId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a channel id: six printable ASCII characters.");

    public bool IsEmpty => _packed == 0;

    public void WriteTo(Span<byte> destination)
    {
        Span<byte> wide = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(wide, _packed);
        wide[2..].CopyTo(destination);
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Encoding.ASCII.GetString(bytes);
    }
}
