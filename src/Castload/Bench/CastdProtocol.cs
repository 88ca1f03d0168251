using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Castd.Castload.Common;
using Castd.Protocol;
using Castd.Protocol.Source;

namespace Castd.Castload.Bench;

/// <summary>
/// castd as the benchmark drives it: castload is the channel source castd dials (docs/source.md) and every subscriber is a
/// raw viewer (docs/viewers.md), which receives payloads back to back with no framing at all.
/// </summary>
internal sealed class CastdProtocol(FanoutOptions options, string channel) : FanoutProtocol(channel, options.PayloadSize)
{
    /// <summary>castd dials its source with a capped backoff; give it time to notice the new listener.</summary>
    private static readonly TimeSpan DialInTimeout = TimeSpan.FromSeconds(15);

    private readonly ChannelId _channel = ChannelId.Parse(channel);

    protected override ReadOnlySpan<byte> DeliveryPrefix => [];

    /// <summary>castd answers only a refusal; an accepted viewer hears nothing until the channel's first packet.</summary>
    public override async ValueTask SubscribeAsync(Socket socket, PipeReader reader, CancellationToken cancellationToken) =>
        await socket.SendAsync(Encoding.ASCII.GetBytes($"{options.User} {Channel}\n"), cancellationToken);

    public override async Task<Socket> OpenPublisherAsync(CancellationToken cancellationToken)
    {
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Parse(options.Host), options.SourcePort));
        listener.Listen(1);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DialInTimeout);
        try
        {
            var source = await listener.AcceptAsync(timeout.Token);
            source.NoDelay = true;
            return source;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"castd did not dial the channel source at {options.Host}:{options.SourcePort} within {DialInTimeout.TotalSeconds:0} s: is its CHANNEL_SOURCE_PORT {options.SourcePort}?");
        }
    }

    public override void WritePublish(IBufferWriter<byte> writer, ulong sequence, long sentMicros)
    {
        var size = SourceFrameReader.HeaderSize + PayloadSize;
        var span = writer.GetSpan(size);
        SourceFrameWriter.WriteHeader(span, _channel, sequence, PayloadSize);
        PayloadStamp.Write(span.Slice(SourceFrameReader.HeaderSize, PayloadSize), sequence, sentMicros);
        writer.Advance(size);
    }
}
