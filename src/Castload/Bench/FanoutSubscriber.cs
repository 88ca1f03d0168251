using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Castd.Castload.Common;

namespace Castd.Castload.Bench;

/// <summary>One subscriber connection: counts what arrives, tracks the newest sequence and records latency at receipt.</summary>
internal sealed class FanoutSubscriber
{
    private readonly ISubscriberProtocol _protocol;
    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private long _messages;
    private long _bytes;
    private long _lastSequence = -1;
    private long _wakeAt = long.MaxValue;

    private FanoutSubscriber(ISubscriberProtocol protocol, Socket socket, PipeReader reader)
    {
        _protocol = protocol;
        _socket = socket;
        _reader = reader;
    }

    public long Messages => Volatile.Read(ref _messages);

    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>The newest sequence received: the publisher's flow control reads it.</summary>
    public long LastSequence => Volatile.Read(ref _lastSequence);

    /// <summary>The worst latency seen while the measurement ran.</summary>
    public long WorstLatencyMicros { get; private set; }

    /// <summary>Set when the server closed the connection or sent something unexpected before the run ended.</summary>
    public string? Failure { get; private set; }

    public static async Task<FanoutSubscriber> ConnectAsync(ISubscriberProtocol protocol, string host, int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken);
            // Zero-byte reads: an idle subscriber holds no buffer, so ten thousand of them stay small.
            var reader = PipeReader.Create(new NetworkStream(socket, ownsSocket: true),
                new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, useZeroByteReads: true));
            await protocol.SubscribeAsync(socket, reader, cancellationToken);
            return new FanoutSubscriber(protocol, socket, reader);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Asks this subscriber to wake the publisher once it has received <paramref name="sequence"/>.</summary>
    public void WakeAt(long sequence) => Volatile.Write(ref _wakeAt, sequence);

    public async Task RunAsync(LatencyRecorder latencies, ProgressSignal progress, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var read = await _reader.ReadAsync(cancellationToken);
                var consumed = Consume(read.Buffer, latencies);
                if (LastSequence >= Volatile.Read(ref _wakeAt))
                {
                    Volatile.Write(ref _wakeAt, long.MaxValue);
                    progress.Wake();
                }
                if (read.IsCompleted)
                {
                    var rest = read.Buffer.Slice(consumed);
                    Failure = rest.IsEmpty ? "closed by the server" : $"closed by the server: {Encoding.ASCII.GetString(rest.Slice(0, long.Min(rest.Length, 80))).TrimEnd()}";
                    return;
                }
                _reader.AdvanceTo(consumed, read.Buffer.End);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or SocketException or InvalidDataException)
        {
            Failure = ex.Message;
        }
        finally
        {
            await _reader.CompleteAsync();
        }
    }

    /// <summary>One clock read per receive: every message in it arrived at that moment.</summary>
    private SequencePosition Consume(ReadOnlySequence<byte> buffer, LatencyRecorder latencies)
    {
        var reader = new SequenceReader<byte>(buffer);
        var receivedMicros = PayloadStamp.NowMicros();
        var recording = latencies.IsRecording;
        while (_protocol.TryRead(ref reader, _socket, out var delivery))
        {
            if (delivery.PayloadBytes == 0)
            {
                continue;
            }
            Volatile.Write(ref _messages, _messages + 1);
            Volatile.Write(ref _bytes, _bytes + delivery.PayloadBytes);
            if (!delivery.IsStamped)
            {
                continue;
            }
            Volatile.Write(ref _lastSequence, delivery.Sequence);
            if (recording)
            {
                var latency = receivedMicros - delivery.SentMicros;
                latencies.Record(latency);
                WorstLatencyMicros = long.Max(WorstLatencyMicros, latency);
            }
        }
        return reader.Position;
    }
}
