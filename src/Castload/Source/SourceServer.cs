using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Castd.Castload.Common;
using Castd.Protocol.Source;

namespace Castd.Castload.Source;

/// <summary>
/// The channel-source simulator (SPEC §7): listens like the real source and feeds every castd that dials in
/// its own stream of SPEC §1 packets, paced or at full speed: synthetic payloads, or a TS file replayed in real time.
/// </summary>
internal sealed class SourceServer(SourceOptions options, TextWriter log)
{
    /// <summary>Flush at least every 64 KiB at full speed: large writes, few syscalls.</summary>
    private const int FlushBytes = 64 * 1024;

    /// <summary>Paced sending wakes every 5 ms: a 50 pps channel's packets leave within 5 ms of their time.</summary>
    private static readonly TimeSpan PaceTick = TimeSpan.FromMilliseconds(5);

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
        var feeds = new List<Task>();
        try
        {
            while (true)
            {
                var client = await listener.AcceptAsync(stop.Token);
                client.NoDelay = true;
                log.WriteLine($"castload source: {client.RemoteEndPoint} connected");
                feeds.Add(FeedAsync(client, stop.Token));
            }
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(feeds);
        return 0;
    }

    private async Task FeedAsync(Socket client, CancellationToken cancellationToken)
    {
        var schedule = new PacketSchedule(options);
        var clock = Stopwatch.StartNew();
        await using var stream = new NetworkStream(client, ownsSocket: true);
        var writer = PipeWriter.Create(stream);
        var sent = 0L;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var due = _replay is not null
                    ? _replay.Due(clock.Elapsed.TotalSeconds) * options.Channels.Count
                    : options.Rate > 0
                    ? (long)(clock.Elapsed.TotalSeconds * options.Rate * options.Channels.Count)
                    : sent + FlushBytes / (options.PayloadSize + SourceFrameReader.HeaderSize) + 1;
                var now = PayloadStamp.NowMicros();
                for (; sent < due; sent++)
                {
                    Write(writer, schedule, now);
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
        log.WriteLine($"castload source: connection done: {schedule.Generated} packets generated, {schedule.Dropped} dropped, " +
            $"{schedule.Duplicated} duplicated, {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private void Write(PipeWriter writer, PacketSchedule schedule, long nowMicros)
    {
        var (channel, sequence) = schedule.Next();
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
        writer.Advance(frameSize);
    }
}
