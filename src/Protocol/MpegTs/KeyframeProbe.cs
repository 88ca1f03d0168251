namespace Castd.Protocol.MpegTs;

/// <summary>What the first coded picture of a PES turned out to be.</summary>
internal enum ProbeResult
{
    NeedMoreData,
    Keyframe,
    NotKeyframe,
}

/// <summary>
/// Finds the first VCL NAL unit (a coded slice) of a video PES and tells whether it starts a random access point:
/// an H.264 IDR slice (nal_unit_type 5, ITU-T H.264 Table 7-1) or an HEVC IRAP picture (BLA, IDR or CRA,
/// nal_unit_type 16–21, ITU-T H.265 Table 7-1). Parameter sets, SEI and access unit delimiters come first and are
/// passed over; x264's first SEI alone is several hundred bytes, so the search continues over the PES's following
/// TS packets, carrying a start code split between them.
/// </summary>
internal struct KeyframeProbe
{
    private const int H264Idr = 5;
    private const int HevcFirstIrap = 16;
    private const int HevcLastIrap = 21;

    /// <summary>H.264 types 1–5 and HEVC types 0–31 are coded slices: the first one decides.</summary>
    private const int H264LastVcl = 5;
    private const int HevcLastVcl = 31;

    private TsStreamType _codec;
    private int _zeros;
    private bool _headerNext;

    public bool Active { get; private set; }

    /// <summary>Stream position of the TS packet that starts the PES being probed.</summary>
    public long PesPosition { get; private set; }

    public void Start(TsStreamType codec, long pesPosition)
    {
        _codec = codec;
        PesPosition = pesPosition;
        _zeros = 0;
        _headerNext = false;
        Active = true;
    }

    public void Cancel() => Active = false;

    /// <summary>Feeds the next bytes of the PES's elementary stream; settles (and deactivates) at the first slice.</summary>
    public ProbeResult Feed(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return ProbeResult.NeedMoreData;
        }
        var from = 0;
        if (_headerNext)
        {
            _headerNext = false;
            if (Settle(data[0]) is var first and not ProbeResult.NeedMoreData)
            {
                return first;
            }
            from = 1;
        }
        while (from < data.Length)
        {
            var found = data[from..].IndexOf((byte)1);
            if (found < 0)
            {
                break;
            }
            var at = from + found;
            // 00 00 01 with the zeros possibly at the end of the previous packet's bytes.
            var startCode = at switch
            {
                0 => _zeros >= 2,
                1 => data[0] == 0 && _zeros >= 1,
                _ => data[at - 1] == 0 && data[at - 2] == 0,
            };
            if (startCode)
            {
                if (at + 1 == data.Length)
                {
                    _headerNext = true;
                    _zeros = 0;
                    return ProbeResult.NeedMoreData;
                }
                if (Settle(data[at + 1]) is var result and not ProbeResult.NeedMoreData)
                {
                    return result;
                }
            }
            from = at + 1;
        }
        _zeros = TrailingZeros(data, _zeros);
        return ProbeResult.NeedMoreData;
    }

    private ProbeResult Settle(byte nalHeader)
    {
        ProbeResult result;
        if (_codec == TsStreamType.Hevc)
        {
            var type = (nalHeader >> 1) & 0x3F;
            result = type > HevcLastVcl ? ProbeResult.NeedMoreData
                : type is >= HevcFirstIrap and <= HevcLastIrap ? ProbeResult.Keyframe : ProbeResult.NotKeyframe;
        }
        else
        {
            var type = nalHeader & 0x1F;
            result = type is 0 or > H264LastVcl ? ProbeResult.NeedMoreData
                : type == H264Idr ? ProbeResult.Keyframe : ProbeResult.NotKeyframe;
        }
        if (result != ProbeResult.NeedMoreData)
        {
            Active = false;
        }
        return result;
    }

    /// <summary>Zeros at the end of <paramref name="data"/> (at most two matter), continuing a run from before it.</summary>
    private static int TrailingZeros(ReadOnlySpan<byte> data, int before)
    {
        var zeros = 0;
        for (var i = data.Length - 1; i >= 0 && zeros < 2 && data[i] == 0; i--)
        {
            zeros++;
        }
        return zeros == data.Length ? int.Min(2, before + zeros) : zeros;
    }
}
