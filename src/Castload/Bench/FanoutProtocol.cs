using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Castd.Castload.Common;

namespace Castd.Castload.Bench;

/// <summary>One message as a subscriber received it: its payload bytes and, when stamped, its sequence and send time.</summary>
internal readonly record struct Delivery(long PayloadBytes, long Sequence, long SentMicros)
{
    public bool IsStamped => Sequence >= 0;
}

/// <summary>The subscriber's half of a target's protocol.</summary>
internal interface ISubscriberProtocol
{
    /// <summary>Sends the subscription on a connected socket and waits until the server confirms it.</summary>
    ValueTask SubscribeAsync(Socket socket, PipeReader reader, CancellationToken cancellationToken);

    /// <summary>Consumes one message (or control line); false when the buffer holds no complete one yet.</summary>
    bool TryRead(ref SequenceReader<byte> reader, Socket socket, out Delivery delivery);
}

/// <summary>
/// A pub/sub wire protocol as the benchmark speaks it. Every message is framed as a fixed prefix, the payload (whose
/// first 16 bytes are the castload stamp) and a fixed suffix, so reading one costs a compare and two integer reads.
/// </summary>
internal abstract class FanoutProtocol(string channel, int payloadSize) : ISubscriberProtocol
{
    protected string Channel { get; } = channel;

    protected int PayloadSize { get; } = payloadSize;

    /// <summary>What a subscriber receives before each payload.</summary>
    protected abstract ReadOnlySpan<byte> DeliveryPrefix { get; }

    /// <summary>What a subscriber receives after each payload.</summary>
    protected virtual ReadOnlySpan<byte> DeliverySuffix => [];

    public abstract ValueTask SubscribeAsync(Socket socket, PipeReader reader, CancellationToken cancellationToken);

    /// <summary>Connects the publisher; castd's publisher is the channel source castd itself dials.</summary>
    public abstract Task<Socket> OpenPublisherAsync(CancellationToken cancellationToken);

    /// <summary>Writes one publish command carrying a stamped payload.</summary>
    public abstract void WritePublish(IBufferWriter<byte> writer, ulong sequence, long sentMicros);

    /// <summary>
    /// Answers what the server sends the publisher (NATS pings) and returns the server's complaint when it is one
    /// (e.g. Redis refusing a connection past maxclients); everything else is discarded.
    /// </summary>
    public virtual string? OnPublisherInput(ReadOnlySpan<byte> input, Socket socket) =>
        input.StartsWith("-ERR"u8) ? Encoding.ASCII.GetString(input).Trim() : null;

    public virtual bool TryRead(ref SequenceReader<byte> reader, Socket socket, out Delivery delivery)
    {
        delivery = default;
        var prefix = DeliveryPrefix;
        var suffix = DeliverySuffix;
        if (reader.Remaining < prefix.Length + PayloadSize + suffix.Length)
        {
            return false;
        }
        if (!reader.IsNext(prefix, advancePast: true))
        {
            throw Unexpected(reader);
        }
        reader.TryReadBigEndian(out long sequence);
        reader.TryReadBigEndian(out long sentMicros);
        reader.Advance(PayloadSize - 16);
        if (!reader.IsNext(suffix, advancePast: true) || sequence < 0)
        {
            throw Unexpected(reader);
        }
        delivery = new Delivery(PayloadSize, sequence, sentMicros);
        return true;
    }

    /// <summary>prefix, stamped payload, suffix: the shape of every text protocol's publish command.</summary>
    protected void WriteStamped(IBufferWriter<byte> writer, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> suffix, ulong sequence, long sentMicros)
    {
        var size = prefix.Length + PayloadSize + suffix.Length;
        var span = writer.GetSpan(size);
        prefix.CopyTo(span);
        PayloadStamp.Write(span.Slice(prefix.Length, PayloadSize), sequence, sentMicros);
        suffix.CopyTo(span[(prefix.Length + PayloadSize)..]);
        writer.Advance(size);
    }

    protected static InvalidDataException Unexpected(SequenceReader<byte> reader)
    {
        var sample = reader.Sequence.Slice(reader.Consumed, long.Min(reader.Remaining, 80)).ToArray();
        return new InvalidDataException($"unexpected bytes from the server: \"{Encoding.ASCII.GetString(sample).ReplaceLineEndings("\\n")}\"");
    }

    /// <summary>Reads until the server has sent <paramref name="expected"/> (after skipping lines <paramref name="skip"/> accepts).</summary>
    protected static async ValueTask ExpectAsync(PipeReader reader, byte[] expected, Func<ReadOnlySequence<byte>, bool>? skip, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            while (skip is not null && buffer.PositionOf((byte)'\n') is { } end && skip(buffer.Slice(0, end)))
            {
                buffer = buffer.Slice(buffer.GetPosition(1, end));
            }
            if (buffer.Length >= expected.Length)
            {
                var got = buffer.Slice(0, expected.Length);
                if (!got.ToArray().AsSpan().SequenceEqual(expected))
                {
                    throw new InvalidDataException($"expected \"{Encoding.ASCII.GetString(expected).ReplaceLineEndings("\\n")}\", got \"{Encoding.ASCII.GetString(got).ReplaceLineEndings("\\n")}\"");
                }
                reader.AdvanceTo(got.End);
                return;
            }
            if (read.IsCompleted)
            {
                throw new InvalidDataException($"the server closed the connection: \"{Encoding.ASCII.GetString(buffer).ReplaceLineEndings("\\n")}\"");
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    protected static async Task<Socket> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(host, port, cancellationToken);
        return socket;
    }

    public static FanoutProtocol Create(FanoutOptions options, string channel) => options.Target switch
    {
        FanoutTarget.Castd => new CastdProtocol(options, channel),
        FanoutTarget.Redis => new RedisProtocol(options, channel),
        FanoutTarget.Nats => new NatsProtocol(options, channel),
        _ => throw new ArgumentOutOfRangeException(nameof(options)),
    };
}
