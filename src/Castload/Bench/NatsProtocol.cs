using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;

namespace Castd.Castload.Bench;

/// <summary>NATS core: <c>PUB</c> on the publisher's connection, <c>SUB</c> on each subscriber's; pings are answered.</summary>
internal sealed class NatsProtocol(FanoutOptions options, string channel) : FanoutProtocol(channel, options.PayloadSize)
{
    /// <summary>Quiet mode: no +OK after every command.</summary>
    private static readonly byte[] Connect = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n"u8.ToArray();

    private readonly byte[] _publishPrefix = Encoding.ASCII.GetBytes($"PUB {channel} {options.PayloadSize}\r\n");
    private readonly byte[] _messagePrefix = Encoding.ASCII.GetBytes($"MSG {channel} 1 {options.PayloadSize}\r\n");

    protected override ReadOnlySpan<byte> DeliveryPrefix => _messagePrefix;

    protected override ReadOnlySpan<byte> DeliverySuffix => "\r\n"u8;

    /// <summary>SUB then PING: the server answers PONG only after it has registered the subscription.</summary>
    public override async ValueTask SubscribeAsync(Socket socket, PipeReader reader, CancellationToken cancellationToken)
    {
        await socket.SendAsync(Connect.Concat(Encoding.ASCII.GetBytes($"SUB {Channel} 1\r\nPING\r\n")).ToArray(), cancellationToken);
        await ExpectAsync(reader, "PONG\r\n"u8.ToArray(), line => IsNext(line, "INFO "u8), cancellationToken);
    }

    public override async Task<Socket> OpenPublisherAsync(CancellationToken cancellationToken)
    {
        var socket = await ConnectAsync(options.Host, options.Port, cancellationToken);
        await socket.SendAsync(Connect, cancellationToken);
        return socket;
    }

    public override void WritePublish(IBufferWriter<byte> writer, ulong sequence, long sentMicros) =>
        WriteStamped(writer, _publishPrefix, "\r\n"u8, sequence, sentMicros);

    /// <summary>The server pings idle clients every two minutes and drops those that do not answer.</summary>
    public override string? OnPublisherInput(ReadOnlySpan<byte> input, Socket socket)
    {
        if (input.IndexOf("PING\r\n"u8) >= 0)
        {
            socket.Send("PONG\r\n"u8);
        }
        return base.OnPublisherInput(input, socket);
    }

    public override bool TryRead(ref SequenceReader<byte> reader, Socket socket, out Delivery delivery)
    {
        if (reader.IsNext("PING\r\n"u8, advancePast: true))
        {
            socket.Send("PONG\r\n"u8);
            delivery = new Delivery(0, -1, 0);
            return true;
        }
        if (reader.IsNext("-ERR"u8))
        {
            throw Unexpected(reader);
        }
        return base.TryRead(ref reader, socket, out delivery);
    }

    private static bool IsNext(ReadOnlySequence<byte> line, ReadOnlySpan<byte> start) => new SequenceReader<byte>(line).IsNext(start);
}
