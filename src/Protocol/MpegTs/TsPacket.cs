using System.Buffers;
using System.Buffers.Binary;

namespace Castd.Protocol.MpegTs;

/// <summary>One 188-byte transport stream packet, parsed in place without copying (docs/playback.md).</summary>
public readonly ref struct TsPacket
{
    /// <summary>ISO/IEC 13818-1 fixes every transport packet at 188 bytes (a 4-byte header and 184 bytes after it).</summary>
    public const int Size = 188;

    public const byte SyncByte = 0x47;

    public const int HeaderSize = 4;

    /// <summary>Size − header − the length byte itself: an adaptation field claiming more runs past the packet.</summary>
    public const int MaxAdaptationFieldLength = Size - HeaderSize - 1;

    public const int PatPid = 0x0000;

    public const int NullPid = 0x1FFF;

    /// <summary>The PCR is a 33-bit base at 90 kHz times 300 plus a 9-bit extension: a 27 MHz clock.</summary>
    public const long PcrHz = 27_000_000;

    // Adaptation field flag bits (ISO/IEC 13818-1 2.4.3.4), in the byte after adaptation_field_length.
    public const byte DiscontinuityFlag = 0x80;
    public const byte RandomAccessFlag = 0x40;
    private const byte PcrFlag = 0x10;

    /// <summary>flags(1) + program_clock_reference_base(33) reserved(6) extension(9) = 1 + 6 bytes.</summary>
    private const int PcrFieldEnd = 7;

    private TsPacket(int pid, byte header1, byte header3, int adaptationFieldLength, byte adaptationFlags, long pcr, ReadOnlySpan<byte> payload)
    {
        Pid = pid;
        TransportError = (header1 & 0x80) != 0;
        PayloadUnitStart = (header1 & 0x40) != 0;
        ContinuityCounter = header3 & 0x0F;
        HasAdaptationField = (header3 & 0x20) != 0;
        HasPayload = (header3 & 0x10) != 0;
        AdaptationFieldLength = adaptationFieldLength;
        AdaptationFlags = adaptationFlags;
        Pcr = pcr;
        Payload = payload;
    }

    public int Pid { get; }
    public bool TransportError { get; }
    public bool PayloadUnitStart { get; }
    public int ContinuityCounter { get; }
    public bool HasAdaptationField { get; }
    public bool HasPayload { get; }

    /// <summary>The adaptation_field_length byte (0 when there is no adaptation field or an empty one).</summary>
    public int AdaptationFieldLength { get; }

    /// <summary>The flags byte of the adaptation field, 0 when its length is 0.</summary>
    public byte AdaptationFlags { get; }

    public bool Discontinuity => (AdaptationFlags & DiscontinuityFlag) != 0;
    public bool RandomAccess => (AdaptationFlags & RandomAccessFlag) != 0;
    public bool HasPcr => Pcr >= 0;

    /// <summary>The program clock reference in 27 MHz ticks, or −1 when the packet carries none.</summary>
    public long Pcr { get; }

    /// <summary>The bytes after the header and adaptation field (empty without a payload).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>
    /// Grammar: sync_byte(8)=0x47 transport_error(1) payload_unit_start(1) priority(1) PID(13) scrambling(2)
    /// adaptation_field_control(2) continuity_counter(4) [adaptation_field_length(8) flags(8) [PCR(48)] ...] [payload];
    /// ISO/IEC 13818-1 2.4.3.2 and 2.4.3.4, docs/playback.md.
    /// NeedMoreData for fewer than 188 bytes; InvalidData for a wrong sync byte, the reserved adaptation_field_control
    /// 00, or an adaptation field longer than the packet. Reads nothing past the 188 bytes.
    /// </summary>
    public static OperationStatus TryRead(ReadOnlySpan<byte> bytes, out TsPacket packet)
    {
        packet = default;
        if (bytes.Length < Size)
        {
            return OperationStatus.NeedMoreData;
        }
        bytes = bytes[..Size];
        if (bytes[0] != SyncByte)
        {
            return OperationStatus.InvalidData;
        }
        var header3 = bytes[3];
        var control = (header3 >> 4) & 0x3;
        if (control == 0)
        {
            return OperationStatus.InvalidData;
        }
        var pid = BinaryPrimitives.ReadUInt16BigEndian(bytes[1..]) & 0x1FFF;
        var payloadStart = HeaderSize;
        var adaptationLength = 0;
        byte flags = 0;
        long pcr = -1;
        if ((control & 0x2) != 0)
        {
            adaptationLength = bytes[HeaderSize];
            if (adaptationLength > MaxAdaptationFieldLength)
            {
                return OperationStatus.InvalidData;
            }
            if (adaptationLength > 0)
            {
                flags = bytes[HeaderSize + 1];
                // A PCR flag in a field too short for the PCR is ignored, not trusted.
                if ((flags & PcrFlag) != 0 && adaptationLength >= PcrFieldEnd)
                {
                    pcr = ReadPcr(bytes.Slice(HeaderSize + 2, 6));
                }
            }
            payloadStart = HeaderSize + 1 + adaptationLength;
        }
        var payload = (control & 0x1) != 0 ? bytes[payloadStart..] : [];
        packet = new TsPacket(pid, bytes[1], header3, adaptationLength, flags, pcr, payload);
        return OperationStatus.Done;
    }

    /// <summary>base(33) reserved(6) extension(9): ticks = base × 300 + extension.</summary>
    private static long ReadPcr(ReadOnlySpan<byte> field)
    {
        var high = (long)BinaryPrimitives.ReadUInt32BigEndian(field);
        var low = BinaryPrimitives.ReadUInt16BigEndian(field[4..]);
        var pcrBase = (high << 1) | (uint)(low >> 15);
        var extension = low & 0x1FF;
        return pcrBase * 300 + extension;
    }
}
