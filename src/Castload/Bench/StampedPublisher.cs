using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using Castd.Castload.Common;

namespace Castd.Castload.Bench;

/// <summary>
/// The one publisher, on a thread of its own: stamps each payload with its sequence and send time, writes about
/// 64 KiB per send, and either paces to a fixed rate or, at max rate, stays at most a window ahead of the slowest
/// live subscriber, so no target is pushed into cutting subscribers (castd's viewer budget, Redis's and NATS's
/// slow-consumer limits).
/// </summary>
internal sealed class StampedPublisher(FanoutProtocol protocol, FanoutOptions options, IReadOnlyList<FanoutSubscriber> subscribers, ProgressSignal progress)
{
    private const int FlushBytes = 64 * 1024;

    /// <summary>A subscriber that dies while the publisher waits for it never signals: look again this often.</summary>
    private static readonly TimeSpan WaitLimit = TimeSpan.FromMilliseconds(5);

    private long _sent;

    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Why publishing stopped early: the server's error or the socket's.</summary>
    public string? Failure { get; private set; }

    public Task RunAsync(Socket socket, CancellationToken cancellationToken) => Task.WhenAll(
        Task.Factory.StartNew(() => Publish(socket, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default),
        DrainAsync(socket, cancellationToken));

    private void Publish(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(2 * FlushBytes);
        var batch = int.Max(1, FlushBytes / options.PayloadSize);
        var window = options.WindowMessages;
        var clock = Stopwatch.StartNew();
        var sent = 0L;
        // A send blocked on a stalled server cannot see the token: closing the socket ends it.
        using var closeOnCancel = cancellationToken.Register(socket.Dispose);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var due = options.Rate > 0 ? (long)(clock.Elapsed.TotalSeconds * options.Rate) : long.MaxValue;
                var (slowest, slowestSequence) = Slowest(sent);
                var allowed = slowestSequence + 1 + window;
                var end = long.Min(long.Min(due, allowed), sent + batch);
                if (end <= sent)
                {
                    if (allowed <= sent && slowest is not null)
                    {
                        // Wait until the slowest has taken half the window; set the mark before checking again, so
                        // a subscriber that crosses it in between still wakes us.
                        var mark = sent - window / 2;
                        slowest.WakeAt(mark);
                        if (slowest.LastSequence < mark)
                        {
                            progress.Wait(WaitLimit, cancellationToken);
                        }
                    }
                    else
                    {
                        Thread.Sleep(1);
                    }
                    continue;
                }
                buffer.ResetWrittenCount();
                var now = PayloadStamp.NowMicros();
                for (; sent < end; sent++)
                {
                    protocol.WritePublish(buffer, (ulong)sent, now);
                }
                for (var written = buffer.WrittenSpan; !written.IsEmpty;)
                {
                    written = written[socket.Send(written)..];
                }
                Volatile.Write(ref _sent, sent);
            }
        }
        catch (SocketException ex) when (!cancellationToken.IsCancellationRequested)
        {
            Failure ??= ex.Message;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>The live subscriber furthest behind; with none alive, nothing holds the publisher back.</summary>
    private (FanoutSubscriber? Subscriber, long Sequence) Slowest(long sent)
    {
        FanoutSubscriber? slowest = null;
        var sequence = long.MaxValue;
        foreach (var subscriber in subscribers)
        {
            var last = subscriber.LastSequence;
            if (subscriber.Failure is null && last < sequence)
            {
                (slowest, sequence) = (subscriber, last);
            }
        }
        return slowest is null ? (null, sent) : (slowest, sequence);
    }

    /// <summary>Reads what the server sends the publisher (Redis's reply counts, NATS's pings) so it never blocks.</summary>
    private async Task DrainAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, cancellationToken)) > 0)
            {
                Failure ??= protocol.OnPublisherInput(buffer.AsSpan(0, read), socket);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
