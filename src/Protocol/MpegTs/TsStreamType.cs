namespace Castd.Protocol.MpegTs;

/// <summary>The PMT's stream_type values castd knows (ISO/IEC 13818-1 Table 2-34, ATSC A/52 for AC-3).</summary>
public enum TsStreamType : byte
{
    None = 0x00,
    Mpeg1Video = 0x01,
    Mpeg2Video = 0x02,
    Mpeg1Audio = 0x03,
    Mpeg2Audio = 0x04,
    AacAdts = 0x0F,
    Mpeg4Video = 0x10,
    AacLatm = 0x11,
    H264 = 0x1B,
    Hevc = 0x24,
    Ac3 = 0x81,
    Eac3 = 0x87,
}

public static class TsStreamTypes
{
    public static bool IsVideo(TsStreamType type) =>
        type is TsStreamType.Mpeg1Video or TsStreamType.Mpeg2Video or TsStreamType.Mpeg4Video or TsStreamType.H264 or TsStreamType.Hevc;

    public static bool IsAudio(TsStreamType type) =>
        type is TsStreamType.Mpeg1Audio or TsStreamType.Mpeg2Audio or TsStreamType.AacAdts or TsStreamType.AacLatm
            or TsStreamType.Ac3 or TsStreamType.Eac3;
}
