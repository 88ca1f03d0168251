using System.Buffers;
using System.Buffers.Binary;
using Castd.Protocol;
using Castd.Protocol.Source;
using static Castd.Fuzz.Targets.FuzzInvariantException;

namespace Castd.Fuzz.Targets;

/// <summary>
/// A channel-source byte stream (docs/source.md) read frame by frame with <see cref="SourceFrameReader.TryRead"/>, as the
/// ingest loop does: every frame read is exactly its header and payload, re-encodes to the same bytes, and every
/// segmentation of the stream reads the same frames and stops at the same place.
/// </summary>
internal static class SourceFrameTarget
{
    /// <summary>Small, so that short inputs reach both sides of the payload cap.</summary>
    private const int MaxPayload = 64;

    private const int LengthOffset = 19;

    public static void Run(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        var expected = ReadAll(new ReadOnlySequence<byte>(bytes), bytes);
        foreach (var shape in SequenceShapes.Of(bytes))
        {
            var outcome = ReadAll(shape, bytes);
            ThrowUnless(outcome.Stop == expected.Stop && outcome.Frames.SequenceEqual(expected.Frames),
                "every segmentation reads the same frames and stops at the same place");
        }
    }

    private static Outcome ReadAll(ReadOnlySequence<byte> sequence, byte[] bytes)
    {
        var reader = new SequenceReader<byte>(sequence);
        var frames = new List<Frame>();
        while (true)
        {
            var start = (int)reader.Consumed;
            bool read;
            SourcePacket packet;
            try
            {
                read = SourceFrameReader.TryRead(ref reader, MaxPayload, out packet);
            }
            catch (SourceProtocolException ex)
            {
                CheckViolation(bytes.AsSpan(start), ex.Violation);
                return new Outcome(frames, new Stop(start, ex.Violation));
            }
            if (!read)
            {
                CheckIncomplete(bytes.AsSpan(start), reader.Consumed - start);
                return new Outcome(frames, new Stop(start, null));
            }
            var frame = new Frame(packet.PrefixVersion, packet.Channel, packet.Sequence, start, (int)packet.Payload.Length);
            CheckFrame(bytes.AsSpan(start), frame, packet, reader.Consumed - start);
            frames.Add(frame);
        }
    }

    private static void CheckFrame(ReadOnlySpan<byte> unread, Frame frame, SourcePacket packet, long consumed)
    {
        ThrowUnless(consumed == SourceFrameReader.HeaderSize + frame.Length, "a frame consumes its header and payload, no more");
        ThrowUnless(frame.Length <= MaxPayload, "a payload is never longer than the cap");
        ThrowUnless(BinaryPrimitives.ReadUInt32BigEndian(unread[LengthOffset..]) == (uint)frame.Length, "the payload is as long as the header says");
        ThrowUnless(packet.Payload.ToArray().AsSpan().SequenceEqual(unread.Slice(SourceFrameReader.HeaderSize, frame.Length)),
            "the payload is the bytes after the header");
        var prefixIsCast = unread.StartsWith("CAST"u8);
        ThrowUnless(frame.Version == (prefixIsCast ? unread[4] : 0), "the version is byte 4 of a CAST prefix, else 0");

        var writer = new ArrayBufferWriter<byte>();
        SourceFrameWriter.Write(writer, frame.Channel, frame.Sequence, unread.Slice(SourceFrameReader.HeaderSize, frame.Length), unread[4]);
        var original = unread[..(int)consumed];
        // The prefix is opaque (docs/source.md): only a CAST one is rewritten as it was; the rest must match byte for byte.
        var compared = prefixIsCast ? 0 : 5;
        ThrowUnless(writer.WrittenSpan[compared..].SequenceEqual(original[compared..]), "a frame re-encodes to the bytes it was read from");
    }

    private static void CheckIncomplete(ReadOnlySpan<byte> unread, long consumed)
    {
        ThrowUnless(consumed == 0, "an incomplete frame consumes nothing");
        var incomplete = unread.Length < SourceFrameReader.HeaderSize
            || unread.Length < SourceFrameReader.HeaderSize + (long)BinaryPrimitives.ReadUInt32BigEndian(unread[LengthOffset..]);
        ThrowUnless(incomplete, "more data is asked for only when the frame is incomplete");
    }

    private static void CheckViolation(ReadOnlySpan<byte> unread, SourceProtocolViolation violation)
    {
        ThrowUnless(unread.Length >= SourceFrameReader.HeaderSize, "a frame is judged only once its header is complete");
        var tooLarge = BinaryPrimitives.ReadUInt32BigEndian(unread[LengthOffset..]) > MaxPayload;
        var validChannel = ChannelId.TryRead(unread.Slice(5, ChannelId.Size), out _);
        var expected = tooLarge ? SourceProtocolViolation.PayloadTooLarge
            : !validChannel ? SourceProtocolViolation.InvalidChannelId
            : (SourceProtocolViolation?)null;
        ThrowUnless(violation == expected, "a frame is refused only for an oversized length or an invalid channel id");
    }

    private readonly record struct Frame(byte Version, ChannelId Channel, ulong Sequence, int Start, int Length);

    /// <summary>Where reading stopped: the offset of the frame it could not finish, and the violation if it was refused.</summary>
    private readonly record struct Stop(int Offset, SourceProtocolViolation? Violation);

    private sealed record Outcome(List<Frame> Frames, Stop Stop);
}
