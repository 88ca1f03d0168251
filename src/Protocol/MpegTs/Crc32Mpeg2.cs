namespace Castd.Protocol.MpegTs;

/// <summary>
/// The CRC_32 that ends every PSI section (ISO/IEC 13818-1 Annex A): polynomial 0x04C11DB7, MSB first, initial value
/// 0xFFFFFFFF, no final XOR. Run over a whole section including its CRC it yields 0. A section that fails it is
/// damaged or not a section at all (random bytes that happen to line up), so it is never trusted.
/// </summary>
internal static class Crc32Mpeg2
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc = (crc << 8) ^ Table[(crc >> 24) ^ b];
        }
        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (var i = 0u; i < 256; i++)
        {
            var crc = i << 24;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
            }
            table[i] = crc;
        }
        return table;
    }
}
