using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;

namespace Castd.Castload.Bench;

/// <summary>Redis pub/sub in RESP2: <c>PUBLISH</c> on the publisher's connection, <c>SUBSCRIBE</c> on each subscriber's.</summary>
internal sealed class RedisProtocol(FanoutOptions options, string channel) : FanoutProtocol(channel, options.PayloadSize)
{
    private readonly byte[] _publishPrefix = Encoding.ASCII.GetBytes($"*3\r\n$7\r\nPUBLISH\r\n${channel.Length}\r\n{channel}\r\n${options.PayloadSize}\r\n");
    private readonly byte[] _messagePrefix = Encoding.ASCII.GetBytes($"*3\r\n$7\r\nmessage\r\n${channel.Length}\r\n{channel}\r\n${options.PayloadSize}\r\n");

    protected override ReadOnlySpan<byte> DeliveryPrefix => _messagePrefix;

    protected override ReadOnlySpan<byte> DeliverySuffix => "\r\n"u8;

    public override async ValueTask SubscribeAsync(Socket socket, PipeReader reader, CancellationToken cancellationToken)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes($"*2\r\n$9\r\nSUBSCRIBE\r\n${Channel.Length}\r\n{Channel}\r\n"), cancellationToken);
        var confirmation = Encoding.ASCII.GetBytes($"*3\r\n$9\r\nsubscribe\r\n${Channel.Length}\r\n{Channel}\r\n:1\r\n");
        await ExpectAsync(reader, confirmation, skip: null, cancellationToken);
    }

    public override Task<Socket> OpenPublisherAsync(CancellationToken cancellationToken) =>
        ConnectAsync(options.Host, options.Port, cancellationToken);

    public override void WritePublish(IBufferWriter<byte> writer, ulong sequence, long sentMicros) =>
        WriteStamped(writer, _publishPrefix, "\r\n"u8, sequence, sentMicros);
}
