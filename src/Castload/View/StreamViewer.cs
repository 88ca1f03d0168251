using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Castd.Castload.Common;
using Castd.Protocol.Viewers;

namespace Castd.Castload.View;

/// <summary>One viewer connection (SPEC §3): sends the request line, then counts, checks and optionally saves what arrives.</summary>
/// <param name="index">This viewer's number in a crowd; replaces <c>{i}</c> in the user id.</param>
internal sealed class StreamViewer(ViewOptions options, int index, Stream? output)
{
    /// <summary>Latency samples kept per viewer: enough for percentiles, bounded for long runs.</summary>
    private const int MaxLatencySamples = 200_000;

    public ViewerResult Result { get; } = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var started = Stopwatch.GetTimestamp();
        await socket.ConnectAsync(options.Host, options.Port, cancellationToken);
        var request = $"{options.User.Replace("{i}", index.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)} {options.Channel}{(options.Framed ? " framed" : "")}\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
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
                var consumed = options.Framed ? ConsumeFramed(buffer) : ConsumeRaw(buffer);
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

    private SequencePosition ConsumeRaw(ReadOnlySequence<byte> buffer)
    {
        Result.Bytes += buffer.Length;
        return buffer.End;
    }

    private ulong? _lastSequence;

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
        Result.Packets++;
        Result.Bytes += payload.Length;
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
        if (!PayloadStamp.IsIntact(bytes, sequence))
        {
            Result.Corrupt++;
            // Not castload's payload (a real source): castd's receive time still measures castd's own delay.
            if (receivedMicros != 0 && Result.CastdLatenciesMicros.Count < MaxLatencySamples)
            {
                Result.CastdLatenciesMicros.Add(PayloadStamp.NowMicros() - (long)receivedMicros);
            }
        }
        else if (PayloadStamp.TryRead(bytes, out _, out var sentMicros) && Result.LatenciesMicros.Count < MaxLatencySamples)
        {
            Result.LatenciesMicros.Add(PayloadStamp.NowMicros() - sentMicros);
        }
    }

    /// <summary>Raw mode saves the bytes as they came; framed mode saves payloads only, so both give a playable file.</summary>
    private void WriteOutput(ReadOnlySequence<byte> consumed)
    {
        if (!options.Framed)
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
