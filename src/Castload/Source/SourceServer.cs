using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Castd.Castload.Common;
using Castd.Protocol.Source;

namespace Castd.Castload.Source;

/// <summary>
/// The channel-source simulator (docs/castload.md): listens like the real source and feeds every castd that dials in
/// its own stream of docs/source.md packets, paced or at full speed: synthetic payloads, or a TS file replayed in real time.
/// With <c>--faults</c> it is a misbehaving source instead (issue 9): one stream continued over every connection,
/// broken now and then by a <see cref="SourceFault"/>, every fault logged, and what each channel sent summed up at the end.
/// </summary>
internal sealed class SourceServer(SourceOptions options, TextWriter log)
{
    /// <summary>Flush at least every 64 KiB at full speed: large writes, few syscalls.</summary>
    private const int FlushBytes = 64 * 1024;

    /// <summary>Paced sending wakes every 5 ms: a 50 pps channel's packets leave within 5 ms of their time.</summary>
    private static readonly TimeSpan PaceTick = TimeSpan.FromMilliseconds(5);

    /// <summary>How long a broken connection is held for castd to hang up: well past its default stall timeout (2 s).</summary>
    private static readonly TimeSpan HangUpWait = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _turn = new(1, 1);
    private TsReplay? _replay;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (options.TsFile is { } path)
        {
            if (!TsReplay.TryLoad(path, out _replay, out var error))
            {
                await Console.Error.WriteLineAsync($"castload source: {error}");
                return 2;
            }
        }
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Parse(options.Host), options.Port));
        listener.Listen(16);
        var payloads = _replay is null
            ? $"{(options.Rate > 0 ? $"{options.Rate} pps per channel" : "full speed")}, payload {options.PayloadSize} B"
            : $"replaying {options.TsFile} ({_replay.FileBytes} B, {_replay.PayloadCount} payloads of {TsReplay.PayloadSize} B, " +
              $"{_replay.LoopSeconds:0.00} s a loop, paced by PCR)";
        log.WriteLine($"castload source: listening on {options.Host}:{options.Port}, channels {string.Join(',', options.Channels)}, " +
            $"{payloads}, reorder {options.ReorderWindow}, dup {options.DuplicateRate:P1}, loss {options.LossRate:P1}");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Duration > TimeSpan.Zero)
        {
            stop.CancelAfter(options.Duration);
        }
        long? stopTimestamp = options.Duration > TimeSpan.Zero ? Stopwatch.GetTimestamp() + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency) : null;
        var shared = options.Faults.Count > 0 ? new SourceStream(options, new FaultPlan(options, stopTimestamp)) : null;
        var feeds = new List<Task>();
        try
        {
            while (true)
            {
                var client = await listener.AcceptAsync(stop.Token);
                client.NoDelay = true;
                log.WriteLine($"castload source: {client.RemoteEndPoint} connected");
                feeds.Add(ServeAsync(client, shared, stop.Token));
            }
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(feeds);
        if (shared is not null)
        {
            LogFaultSummary(shared);
        }
        return 0;
    }

    /// <summary>One line of faults carried out, then one a channel: distinct packets sent and numbers never sent.</summary>
    private void LogFaultSummary(SourceStream stream)
    {
        log.WriteLine("castload source: faults: " + string.Join(", ", stream.Faults!.Injected.Select(f => $"{f.Key.Name()} {f.Value}")));
        var schedule = stream.Schedule;
        for (var channel = 0; channel < schedule.ChannelCount; channel++)
        {
            var unsent = schedule.Unsent(channel);
            log.WriteLine($"castload source: {schedule.ChannelAt(channel)}: {(long)schedule.Numbered(channel) - unsent} packets sent, {unsent} numbers never sent");
        }
    }

    /// <summary>Feeds a connection its own stream, or, with faults, its turn of the shared one.</summary>
    private async Task ServeAsync(Socket client, SourceStream? shared, CancellationToken cancellationToken)
    {
        if (shared is null)
        {
            await FeedAsync(client, new SourceStream(options, null), cancellationToken);
            return;
        }
        // castd may redial before this end has seen its hang-up: the next connection waits for the last to finish.
        try
        {
            await _turn.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            client.Dispose();
            return;
        }
        try
        {
            await FeedAsync(client, shared, cancellationToken);
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task FeedAsync(Socket client, SourceStream stream, CancellationToken cancellationToken)
    {
        var schedule = stream.Schedule;
        stream.Clock.Start();
        await using var network = new NetworkStream(client, ownsSocket: true);
        var writer = PipeWriter.Create(network);
        var generatedBefore = schedule.Generated;
        var connected = Stopwatch.StartNew();
        try
        {
            if (stream.Resend is { } cut)
            {
                Write(writer, schedule, cut, PayloadStamp.NowMicros());
                stream.Resend = null;
            }
            while (!cancellationToken.IsCancellationRequested)
            {
                var elapsed = stream.Clock.Elapsed;
                var due = _replay is not null
                    ? _replay.Due(elapsed.TotalSeconds) * options.Channels.Count
                    : options.Rate > 0
                    ? (long)(elapsed.TotalSeconds * options.Rate * options.Channels.Count)
                    : schedule.Slots + FlushBytes / (options.PayloadSize + SourceFrameReader.HeaderSize) + 1;
                var now = PayloadStamp.NowMicros();
                while (schedule.Slots < due || schedule.Pending > 0)
                {
                    if (schedule.Next() is { } packet)
                    {
                        Write(writer, schedule, packet, now);
                    }
                }
                if (stream.Faults?.Take(elapsed, schedule) is { } struck
                    && await StrikeAsync(struck.Fault, struck.Channel, stream, network, writer, cancellationToken))
                {
                    break;
                }
                var flush = await writer.FlushAsync(cancellationToken);
                if (flush.IsCompleted)
                {
                    break;
                }
                if (options.Rate > 0 || _replay is not null)
                {
                    await Task.Delay(PaceTick, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
        {
        }
        await writer.CompleteAsync();
        log.WriteLine($"castload source: connection done: {schedule.Generated - generatedBefore} packets generated, {schedule.Dropped} dropped, " +
            $"{schedule.Duplicated} duplicated in all, {connected.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Carries out a fault and logs it; true when it ended the connection.</summary>
    private async Task<bool> StrikeAsync(SourceFault fault, int channel, SourceStream stream, NetworkStream network, PipeWriter writer, CancellationToken cancellationToken)
    {
        var schedule = stream.Schedule;
        var what = fault switch
        {
            SourceFault.Silence => $" {schedule.ChannelAt(channel)} for {FaultPlan.SilenceLength.TotalSeconds:0} s",
            SourceFault.Jump => $" {schedule.ChannelAt(channel)} +{FaultPlan.JumpLength}",
            _ => "",
        };
        if (fault is SourceFault.Stall or SourceFault.Truncate)
        {
            // The cut falls inside a reorder block, where a broken connection cuts a stream: with --reorder, packets
            // already sent may carry later numbers of the same channel than the one cut.
            var now = PayloadStamp.NowMicros();
            var packet = schedule.Next();
            for (var whole = schedule.Pending / 2; whole > 0 && packet is { } before; whole--)
            {
                Write(writer, schedule, before, now);
                packet = schedule.Next();
            }
            if (packet is { } cut)
            {
                stream.Resend = cut;
                Write(writer, schedule, cut, now, cutAfterHalf: true);
            }
            else
            {
                fault = SourceFault.HangUp;
            }
        }
        else if (fault is SourceFault.Garbage or SourceFault.Oversize)
        {
            var header = writer.GetSpan(SourceFrameReader.HeaderSize)[..SourceFrameReader.HeaderSize];
            SourceFrameWriter.WriteHeader(header, schedule.ChannelAt(channel), 0, 0);
            if (fault == SourceFault.Garbage)
            {
                "\u0001\u0002\u0003\u0004\u0005\u0006"u8.CopyTo(header[5..]);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(header[19..], uint.MaxValue);
            }
            writer.Advance(SourceFrameReader.HeaderSize);
        }
        stream.Faults!.Count(fault);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"castload source: fault at {stream.Clock.Elapsed.TotalSeconds:0.00} s: {fault.Name()}{what}"));
        if (!fault.EndsConnection())
        {
            return false;
        }
        await writer.FlushAsync(cancellationToken);
        if (fault is not (SourceFault.HangUp or SourceFault.Truncate))
        {
            await WaitForHangUpAsync(network, cancellationToken);
        }
        return true;
    }

    /// <summary>
    /// Holds the connection open until castd hangs up (it never sends anything), as a stalled or broken source would;
    /// after <see cref="HangUpWait"/> (castd's stall timeout may be off) this end closes it.
    /// </summary>
    private async Task WaitForHangUpAsync(NetworkStream network, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(HangUpWait);
        var buffer = new byte[256];
        try
        {
            while (await network.ReadAsync(buffer, wait.Token) > 0)
            {
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            log.WriteLine($"castload source: castd kept a broken connection open for {HangUpWait.TotalSeconds:0} s; closing it");
        }
    }

    /// <param name="cutAfterHalf">Writes only the first half of the frame, as a fault cuts it.</param>
    private void Write(PipeWriter writer, PacketSchedule schedule, (int Channel, ulong Sequence) packet, long nowMicros, bool cutAfterHalf = false)
    {
        var (channel, sequence) = packet;
        var media = _replay is null ? default : _replay.Payload(sequence);
        var payloadSize = _replay is null ? options.PayloadSize : media.Length;
        var frameSize = SourceFrameReader.HeaderSize + payloadSize;
        var span = writer.GetSpan(frameSize);
        SourceFrameWriter.WriteHeader(span, schedule.ChannelAt(channel), sequence, payloadSize);
        if (_replay is null)
        {
            PayloadStamp.Write(span.Slice(SourceFrameReader.HeaderSize, payloadSize), sequence, nowMicros);
        }
        else
        {
            media.CopyTo(span[SourceFrameReader.HeaderSize..]);
        }
        writer.Advance(cutAfterHalf ? frameSize / 2 : frameSize);
    }
}
