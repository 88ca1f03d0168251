using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Castd.Castload.Bench;
using Castd.Castload.Common;
using Castd.Protocol.Viewers;

namespace Castd.Castload.View;

/// <summary>One viewer connection (docs/viewers.md): sends the request line, then counts, checks and optionally saves what arrives.</summary>
/// <param name="output">Where to save the stream, or null.</param>
/// <param name="latencies">Where stamped packets' latencies go while it records, or null.</param>
/// <param name="upstream">Where stamped framed packets' source-to-castd times go (castload's send to castd's receive time
/// in the framed header), or null: with <paramref name="latencies"/> it tells whether a delay comes before castd has
/// read a packet or after. Both clocks are the one host's on loopback.</param>
internal sealed class StreamViewer(ViewerRequest request, Stream? output = null, LatencyRecorder? latencies = null, LatencyRecorder? upstream = null)
{
    /// <summary>The most one read takes from the socket.</summary>
    private const int ReadBufferBytes = 64 * 1024;

    /// <summary>A throttled viewer reads a tenth of a second's worth at a time (at least 4 KiB), so its rate stays smooth.</summary>
    private const int MinThrottledReadBytes = 4096;

    private ulong? _lastSequence;
    private bool? _stamped;

    public ViewerResult Result { get; } = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var started = Stopwatch.GetTimestamp();
        await socket.ConnectAsync(request.Host, request.Port, cancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request.RequestLine), cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var readBytes = request.ReadBytesPerSecond > 0
            ? (int)long.Clamp(request.ReadBytesPerSecond / 10, MinThrottledReadBytes, ReadBufferBytes)
            : ReadBufferBytes;
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: readBytes, minimumReadSize: int.Min(readBytes, 1024)));
        var first = true;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(cancellationToken);
                var buffer = read.Buffer;
                if (!buffer.IsEmpty && Result.FirstByteMs is null)
                {
                    Result.MarkFirstByte(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                if (first && buffer.Length >= 4)
                {
                    first = false;
                    if (buffer.Slice(0, 4).ToArray().AsSpan().SequenceEqual("ERR "u8))
                    {
                        Result.Refusal = Encoding.ASCII.GetString(buffer).TrimEnd('\n');
                        return;
                    }
                }
                var consumed = request.Framed ? ConsumeFramed(buffer) : ConsumeRaw(buffer);
                if (output is not null)
                {
                    WriteOutput(buffer.Slice(0, consumed));
                }
                reader.AdvanceTo(consumed, buffer.End);
                if (read.IsCompleted)
                {
                    if (first && buffer.Length > 0)
                    {
                        Result.Refusal = Encoding.ASCII.GetString(buffer).TrimEnd('\n');
                    }
                    Result.ClosedByServer = Result.Refusal is null;
                    return;
                }
                await ThrottleAsync(started, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    /// <summary>Waits until the bytes read so far fit the read rate; the socket's buffers fill meanwhile, as on a slow link.</summary>
    private async ValueTask ThrottleAsync(long started, CancellationToken cancellationToken)
    {
        if (request.ReadBytesPerSecond <= 0)
        {
            return;
        }
        var due = TimeSpan.FromSeconds((double)Result.Bytes / request.ReadBytesPerSecond) - Stopwatch.GetElapsedTime(started);
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due, cancellationToken);
        }
    }

    private SequencePosition ConsumeRaw(ReadOnlySequence<byte> buffer)
    {
        Result.AddBytes(buffer.Length);
        return buffer.End;
    }

    private SequencePosition ConsumeFramed(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        Span<byte> header = stackalloc byte[FramedHeader.Size];
        while (reader.TryCopyTo(header))
        {
            var (sequence, receivedMicros, length) = FramedHeader.Read(header);
            if (reader.Remaining < FramedHeader.Size + length)
            {
                break;
            }
            reader.Advance(FramedHeader.Size);
            var payload = buffer.Slice(reader.Position, length);
            reader.Advance(length);
            Check(sequence, receivedMicros, payload);
        }
        return reader.Position;
    }

    /// <param name="receivedMicros">castd's receive time from the framed header (Unix µs), 0 when unknown.</param>
    private void Check(ulong sequence, ulong receivedMicros, ReadOnlySequence<byte> payload)
    {
        Result.AddPacket(payload.Length);
        if (_lastSequence is { } last)
        {
            if (sequence <= last)
            {
                Result.OutOfOrder++;
            }
            else
            {
                Result.Gaps += (long)(sequence - last - 1);
            }
        }
        _lastSequence = sequence;
        var bytes = payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray();
        // The first packet tells whether this is castload's stamped stream (then every payload is checked byte for byte)
        // or a foreign one, e.g. real MPEG-TS (then latency is taken from castd's receive time, and content is not judged).
        _stamped ??= PayloadStamp.IsStamped(bytes, sequence);
        var sentMicros = (long)receivedMicros;
        if (_stamped == true)
        {
            if (PayloadStamp.IsIntact(bytes, sequence))
            {
                PayloadStamp.TryRead(bytes, out _, out sentMicros);
            }
            else
            {
                Result.Corrupt++;
                sentMicros = 0;
            }
        }
        if (sentMicros != 0)
        {
            var micros = PayloadStamp.NowMicros() - sentMicros;
            Result.AddLatency(micros);
            if (latencies?.IsRecording == true)
            {
                latencies.Record(micros);
            }
            if (_stamped == true && receivedMicros != 0 && upstream?.IsRecording == true)
            {
                upstream.Record((long)receivedMicros - sentMicros);
            }
        }
    }

    /// <summary>Raw mode saves the bytes as they came; framed mode saves payloads only, so both give a playable file.</summary>
    private void WriteOutput(ReadOnlySequence<byte> consumed)
    {
        if (!request.Framed)
        {
            foreach (var segment in consumed)
            {
                output!.Write(segment.Span);
            }
            return;
        }
        var reader = new SequenceReader<byte>(consumed);
        Span<byte> header = stackalloc byte[FramedHeader.Size];
        while (reader.TryCopyTo(header))
        {
            var (_, _, length) = FramedHeader.Read(header);
            reader.Advance(FramedHeader.Size);
            foreach (var segment in consumed.Slice(reader.Position, length))
            {
                output!.Write(segment.Span);
            }
            reader.Advance(length);
        }
    }
}
