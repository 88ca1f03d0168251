using System.Collections.Concurrent;

namespace Castd.Daemon.Channels;

/// <summary>
/// Where a batch's sends start: a few on the ingest thread itself, the rest on dedicated delivery threads, one per
/// core. Not on the thread pool, which also runs every connection's work (accepts, request lines, admissions, HTTP,
/// chat): a connect storm's admissions queued there held a packet's sends, and the source read before them, for tens
/// of milliseconds (bench/reliability/RESULTS.md, "Where the wait was"). On threads of their own the sends wait only for the
/// kernel to give them a core, which it does at once for a thread that wakes from sleep.
/// </summary>
/// <remarks>
/// The ingest thread sends to the first <see cref="MinSendsPerPart"/> subscribers and posts the rest of the
/// channel's array in contiguous parts, one per delivery thread, then goes back to reading. Posting a part allocates
/// nothing: the queue's ring of slots is reused, and a part is an <see cref="ArraySegment{T}"/> of the copy-on-write
/// array the channel already holds.
/// </remarks>
internal sealed class DeliveryThreads : IDisposable
{
    /// <summary>
    /// Sends made on the ingest thread, and the least worth a thread hop: each hop can wait a scheduler tick on a busy
    /// 2-core VM (p99 3.6–5.1 ms with hops → 2.5–3.4 ms without, 10 viewers × 20 k packets/s), so a small audience is
    /// served without one.
    /// </summary>
    private const int MinSendsPerPart = 16;

    private readonly BlockingCollection<ArraySegment<ISubscriber>> _parts = new(new ConcurrentQueue<ArraySegment<ISubscriber>>());
    private readonly Thread[] _threads;

    /// <param name="dedicated">Delivery threads: as many as the cores castd may use; 0 sends everything from the ingest thread.</param>
    public DeliveryThreads(int dedicated)
    {
        _threads = new Thread[dedicated];
        for (var i = 0; i < dedicated; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"castd delivery {i + 1}" };
            _threads[i].Start();
        }
    }

    public DeliveryThreads()
        : this(Environment.ProcessorCount)
    {
    }

    /// <summary>Starts every subscriber's send (ingest thread): the first few here, the rest in parts on the delivery threads.</summary>
    public void Flush(ISubscriber[] subscribers)
    {
        var here = _threads.Length == 0 ? subscribers.Length : int.Min(MinSendsPerPart, subscribers.Length);
        var rest = subscribers.Length - here;
        if (rest > 0)
        {
            var parts = int.Clamp(rest / MinSendsPerPart, 1, _threads.Length);
            var size = rest / parts;
            var start = here;
            for (var part = 0; part < parts; part++)
            {
                var length = part == 0 ? rest - size * (parts - 1) : size;
                _parts.Add(new ArraySegment<ISubscriber>(subscribers, start, length));
                start += length;
            }
        }
        Send(new ArraySegment<ISubscriber>(subscribers, 0, here));
    }

    private static void Send(ArraySegment<ISubscriber> part)
    {
        foreach (var subscriber in part)
        {
            subscriber.Flush();
        }
    }

    private void Run()
    {
        foreach (var part in _parts.GetConsumingEnumerable())
        {
            Send(part);
        }
    }

    public void Dispose()
    {
        _parts.CompleteAdding();
        foreach (var thread in _threads)
        {
            thread.Join();
        }
        _parts.Dispose();
    }
}
