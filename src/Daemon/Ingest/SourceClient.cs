using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Castd.Daemon.Channels;
using Castd.Daemon.Diagnostics;
using Castd.Protocol.Source;

namespace Castd.Daemon.Ingest;

/// <summary>
/// Dials the channel source (docs/source.md), reads it on the ingest thread through a pipe in batches of at most
/// PACKET_BATCH_SIZE packets, and redials with capped exponential backoff forever. Viewers stay connected throughout.
/// </summary>
internal sealed partial class SourceClient(
    IngestOptions options,
    ChannelOptions channels,
    IngestPump pump,
    IngestCounters counters,
    TimeProvider time,
    ILogger<SourceClient> logger) : BackgroundService
{
    /// <summary>64 KiB reads hold ~48 packets of 1316 bytes: one read is about one batch at the default size.</summary>
    private const int ReadBufferSize = 64 * 1024;

    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>Gap timers are checked at a quarter of the gap timeout, so a gap is skipped at most 25 % late.</summary>
    private TimeSpan TickInterval => channels.Reorder.GapTimeout / 4;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = InitialBackoff;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var socket = await ConnectAsync(stoppingToken);
                counters.SetConnected(true);
                Log.SourceConnected(logger, options.SourceHost, options.SourcePort, failures);
                backoff = InitialBackoff;
                failures = 0;
                await ReadAsync(socket, stoppingToken);
                Log.SourceClosed(logger);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (SourceProtocolException ex)
            {
                counters.CountProtocolError();
                Log.SourceProtocolError(logger, ex.Violation, ex.Message);
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                failures++;
                // One line per outage, not one per redial: a flapping source must not flood the journal.
                if (failures == 1 || int.IsPow2(failures))
                {
                    Log.SourceUnavailable(logger, options.SourceHost, options.SourcePort, failures, ex.Message);
                }
            }
            finally
            {
                if (counters.Connected)
                {
                    counters.SetConnected(false);
                    pump.SourceLost();
                }
            }

            counters.CountReconnect();
            try
            {
                await WaitToRedialAsync(Jitter(backoff), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromTicks(long.Min(backoff.Ticks * 2, options.ReconnectMax.Ticks));
        }
    }

    /// <summary>
    /// Waits out a redial's backoff, expiring gaps every tick meanwhile: what the rings hold reaches viewers during an
    /// outage as it would while connected. No read loop runs now, so this is the pump's one owner.
    /// </summary>
    private async Task WaitToRedialAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) is var waited && waited < delay)
        {
            await Task.Delay(TimeSpan.FromTicks(long.Min(TickInterval.Ticks, (delay - waited).Ticks)), time, cancellationToken);
            pump.EndBatch(time.GetTimestamp());
        }
    }

    private async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        // A source that vanished without a FIN (host gone, link cut) is noticed in ~8 s instead of never.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 5);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 1);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(options.SourceHost, options.SourcePort, timeout.Token);
            if (options.RelaySecret.Length > 0)
            {
                await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes($"RELAY {options.RelaySecret}\n"), SocketFlags.None, timeout.Token);
            }
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SocketException((int)SocketError.TimedOut);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The ingest thread: a thread of castd's own, not the pool's, so a source packet never waits behind connection work
    /// queued there (a connect storm's admissions held it for up to ~97 ms, bench/reliability/RESULTS.md "Where the wait was"). It
    /// receives into the pipe, whose inline reader runs the read loop right here; when nothing comes for a tick it wakes
    /// the loop anyway, so gap timeouts fire and a stalled frame is noticed on a silent source.
    /// </summary>
    private void Receive(Socket socket, Pipe pipe)
    {
        var writer = pipe.Writer;
        try
        {
            while (true)
            {
                if (!socket.Poll(TickInterval, SelectMode.SelectRead))
                {
                    pipe.Reader.CancelPendingRead();
                    continue;
                }
                var received = socket.Receive(writer.GetMemory(ReadBufferSize / 4).Span);
                if (received == 0)
                {
                    break;
                }
                writer.Advance(received);
                // No pause threshold and an inline reader: the flush has run the read loop and is complete on return.
                var flush = writer.FlushAsync();
                if (!flush.IsCompleted || flush.Result.IsCompleted)
                {
                    break;
                }
            }
            writer.Complete();
        }
        catch (Exception ex)
        {
            // The read loop sees it as the source's error (a reset, or the socket closed when the loop ended).
            writer.Complete(ex);
        }
    }

    private async Task ReadAsync(Socket socket, CancellationToken stoppingToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
            minimumSegmentSize: ReadBufferSize, useSynchronizationContext: false));
        var reader = pipe.Reader;
        new Thread(() => Receive(socket, pipe)) { IsBackground = true, Name = "castd ingest" }.Start();
        // Since when the bytes left over after the last batch have been waiting for the rest of their frame.
        long? partialSince = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(stoppingToken);
                var buffer = result.Buffer;
                var consumed = buffer.Start;
                var examined = buffer.End;
                try
                {
                    var now = time.GetTimestamp();
                    if (partialSince is { } since && options.StallTimeout > TimeSpan.Zero && time.GetElapsedTime(since, now) > options.StallTimeout)
                    {
                        // One source connection carries every channel: a hung frame would stall them all, so drop and redial.
                        SourceProtocolException.Throw(SourceProtocolViolation.StalledFrame, (long)options.StallTimeout.TotalMilliseconds);
                    }
                    // A read a tick cancelled may still hold frames (those a full batch left behind, or bytes that
                    // came with the tick): they are handled like any others, or they would wait for the next byte to
                    // arrive, which on a source gone quiet is never.
                    var unixMicros = (ulong)((time.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond);
                    var frames = new SequenceReader<byte>(buffer);
                    var count = 0;
                    while (count < options.BatchSize && SourceFrameReader.TryRead(ref frames, options.MaxPayloadBytes, out var packet))
                    {
                        pump.Ingest(packet, now, unixMicros);
                        count++;
                    }
                    consumed = frames.Position;
                    partialSince = frames.End ? null : count > 0 || partialSince is null ? now : partialSince;
                    if (count == options.BatchSize)
                    {
                        // More may be buffered: let the next read return at once instead of waiting for new bytes.
                        examined = consumed;
                    }
                    else if (result.IsCompleted)
                    {
                        if (!frames.End)
                        {
                            SourceProtocolException.Throw(SourceProtocolViolation.TruncatedFrame);
                        }
                        return;
                    }
                    pump.EndBatch(now);
                }
                finally
                {
                    reader.AdvanceTo(consumed, examined);
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    /// <summary>±20 % so that a fleet of castd edges does not redial an origin in lock step.</summary>
    private static TimeSpan Jitter(TimeSpan backoff) => backoff * (0.8 + Random.Shared.NextDouble() * 0.4);
}
