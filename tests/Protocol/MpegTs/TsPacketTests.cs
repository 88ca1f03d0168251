using System.Buffers;
using Castd.Protocol.MpegTs;

namespace Castd.Tests.Protocol.MpegTs;

public sealed class TsPacketTests
{
    [Fact]
    public void TryRead_RealKeyframePacket_ReadsPidFlagsPcrAndPayload()
    {
        var bytes = File.ReadAllBytes(TestMedia.H264);
        var keyframe = (int)Ffprobe.KeyframePositions(TestMedia.H264)[0];
        var (_, _, pcrPid) = Ffprobe.Program(TestMedia.H264);

        Assert.Equal(OperationStatus.Done, TsPacket.TryRead(bytes.AsSpan(keyframe), out var packet));

        Assert.Equal(pcrPid, packet.Pid);
        Assert.True(packet.PayloadUnitStart);
        Assert.True(packet.RandomAccess);
        Assert.True(packet.HasPcr);
        Assert.False(packet.Discontinuity);
        // A PES start: 00 00 01 and a video stream id, right after the adaptation field.
        Assert.Equal(TsPacket.Size - TsPacket.HeaderSize - 1 - packet.AdaptationFieldLength, packet.Payload.Length);
        Assert.True(packet.Payload[..3].SequenceEqual(new byte[] { 0, 0, 1 }));
        Assert.InRange(packet.Payload[3], 0xE0, 0xEF);
    }

    [Fact]
    public void TryRead_PcrsOfARealFile_AdvanceAtTheFilesBitrate()
    {
        // PCRs in 27 MHz ticks: between the first and last, the bytes between them at the media's rate take that long.
        var bytes = File.ReadAllBytes(TestMedia.H264);
        var pcrs = new List<(long Position, long Pcr)>();
        for (var i = 0; i < bytes.Length; i += TsPacket.Size)
        {
            TsPacket.TryRead(bytes.AsSpan(i), out var packet);
            if (packet.HasPcr)
            {
                pcrs.Add((i, packet.Pcr));
            }
        }
        var seconds = (pcrs[^1].Pcr - pcrs[0].Pcr) / (double)TsPacket.PcrHz;

        Assert.True(pcrs.Zip(pcrs.Skip(1)).All(p => p.Second.Pcr > p.First.Pcr));
        // PCRs span the file but for the time after its last PCR (ffmpeg sends one at least every 100 ms... or per
        // video frame, 40 ms) and the last frame's duration.
        var duration = Ffprobe.Duration(TestMedia.H264);
        Assert.InRange(seconds, duration - 0.2, duration);
    }

    [Fact]
    public void TryRead_FewerThan188Bytes_NeedsMoreData()
    {
        var bytes = new byte[TsPacket.Size];
        bytes[0] = TsPacket.SyncByte;
        for (var length = 0; length < TsPacket.Size; length++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, TsPacket.TryRead(bytes.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public void TryRead_WrongSyncByte_IsInvalid()
    {
        var bytes = Packet(control: 0x1);
        bytes[0] = 0x46;
        Assert.Equal(OperationStatus.InvalidData, TsPacket.TryRead(bytes, out _));
    }

    [Fact]
    public void TryRead_ReservedAdaptationFieldControl_IsInvalid() =>
        Assert.Equal(OperationStatus.InvalidData, TsPacket.TryRead(Packet(control: 0x0), out _));

    [Fact]
    public void TryRead_AdaptationFieldLongerThanThePacket_IsInvalidForEveryLength()
    {
        for (var length = TsPacket.MaxAdaptationFieldLength + 1; length <= byte.MaxValue; length++)
        {
            var bytes = Packet(control: 0x3);
            bytes[4] = (byte)length;
            Assert.Equal(OperationStatus.InvalidData, TsPacket.TryRead(bytes, out _));
        }
    }

    [Fact]
    public void TryRead_AdaptationFieldFillingThePacket_LeavesAnEmptyPayload()
    {
        var bytes = Packet(control: 0x3);
        bytes[4] = TsPacket.MaxAdaptationFieldLength;
        bytes[5] = TsPacket.DiscontinuityFlag | TsPacket.RandomAccessFlag;

        Assert.Equal(OperationStatus.Done, TsPacket.TryRead(bytes, out var packet));
        Assert.True(packet.Payload.IsEmpty);
        Assert.True(packet.Discontinuity && packet.RandomAccess);
    }

    [Fact]
    public void TryRead_PcrFlagInAFieldTooShortForThePcr_IgnoresIt()
    {
        var bytes = Packet(control: 0x3);
        bytes[4] = 3;
        bytes[5] = 0x10;

        Assert.Equal(OperationStatus.Done, TsPacket.TryRead(bytes, out var packet));
        Assert.False(packet.HasPcr);
    }

    [Fact]
    public void TryRead_PidAndCounter_ComeFromTheHeaderBits()
    {
        var bytes = Packet(control: 0x1);
        bytes[1] = 0x5F; // TEI 0, PUSI 1, priority 0, PID high bits 11111
        bytes[2] = 0xFE;
        bytes[3] = 0x1A;

        Assert.Equal(OperationStatus.Done, TsPacket.TryRead(bytes, out var packet));
        Assert.Equal(0x1FFE, packet.Pid);
        Assert.True(packet.PayloadUnitStart);
        Assert.Equal(0xA, packet.ContinuityCounter);
        Assert.Equal(184, packet.Payload.Length);
    }

    private static byte[] Packet(int control)
    {
        var bytes = new byte[TsPacket.Size];
        bytes[0] = TsPacket.SyncByte;
        bytes[3] = (byte)(control << 4);
        return bytes;
    }
}
