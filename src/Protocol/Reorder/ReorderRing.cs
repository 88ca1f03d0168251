namespace Castd.Protocol.Reorder;

/// <summary>
/// Puts one channel's packets back in sequence order (SPEC §2): a power-of-two window of slots indexed by
/// <c>sequence &amp; mask</c>, a start-up hold, whole contiguous runs released at once, and missing numbers
/// skipped as lost after the gap timeout or when the window overflows.
/// </summary>
/// <remarks>
/// Single-owner: the ingest loop is the only thread that calls <see cref="Insert{TSink}"/> and
/// <see cref="Expire{TSink}"/>, so no slot is ever shared and no lock or interlocked operation is needed;
/// released items cross to other threads through the fan-out's own queues. The clock is injected: every
/// call takes <c>now</c> as a timestamp in units of the frequency given to the constructor.
/// </remarks>
public sealed class ReorderRing<T> where T : class
{
    private readonly T?[] _items;
    private readonly ulong[] _sequences;
    private readonly long[] _arrivals;
    private readonly int _mask;
    private readonly long _gapTimeout;
    private readonly long _startupHold;

    private bool _started;
    private bool _holding;
    private long _holdUntil;
    private ulong _next;
    private ulong _highest;
    private int _held;

    public ReorderRing(ReorderOptions options, long timestampFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Capacity, 2);
        if (!int.IsPow2(options.Capacity))
        {
            throw new ArgumentException($"Capacity {options.Capacity} is not a power of two.", nameof(options));
        }
        _items = new T?[options.Capacity];
        _sequences = new ulong[options.Capacity];
        _arrivals = new long[options.Capacity];
        _mask = options.Capacity - 1;
        _gapTimeout = ToTicks(options.GapTimeout, timestampFrequency);
        _startupHold = ToTicks(options.StartupHold, timestampFrequency);
    }

    public ReorderCounters Counters { get; } = new();

    /// <summary>Packets held waiting for an earlier sequence number (the reorder depth).</summary>
    public int Held => _held;

    /// <summary>The next sequence number to be released.</summary>
    public ulong NextSequence => _next;

    public bool IsStarted => _started;

    private ulong Capacity => (ulong)_items.Length;

    public InsertOutcome Insert<TSink>(ulong sequence, T item, long now, ref TSink sink) where TSink : IReleaseSink<T>
    {
        if (!_started)
        {
            _started = true;
            _next = sequence;
            _highest = sequence;
            _holding = _startupHold > 0;
            _holdUntil = now + _startupHold;
        }

        if (sequence < _next)
        {
            if (_holding && _highest - sequence < Capacity)
            {
                // Still in the start-up hold: an earlier number extends the start downwards.
                _next = sequence;
            }
            else if (_next - sequence > Capacity)
            {
                Restart(sequence, ref sink);
            }
            else
            {
                Counters.Late++;
                return InsertOutcome.Late;
            }
        }
        else if (sequence - _next >= Capacity)
        {
            _holding = false;
            SkipUntil(sequence - Capacity + 1, ref sink);
        }

        var slot = (int)sequence & _mask;
        if (_items[slot] is not null)
        {
            // A held slot inside the window can only hold this very sequence number.
            Counters.Duplicates++;
            return InsertOutcome.Duplicate;
        }

        _items[slot] = item;
        _sequences[slot] = sequence;
        _arrivals[slot] = now;
        _held++;
        if (sequence > _highest || _held == 1)
        {
            _highest = sequence;
        }
        if (!_holding)
        {
            ReleaseRun(ref sink);
        }
        return InsertOutcome.Accepted;
    }

    /// <summary>
    /// A packet from an ordered relay (SPEC §9): its upstream has reordered the channel already, so nothing is held
    /// and nothing waited for. A jump in sequence numbers is a final loss, counted at once; an earlier (or repeated)
    /// number is a restart of the upstream, never "late".
    /// </summary>
    public InsertOutcome InsertOrdered<TSink>(ulong sequence, T item, ref TSink sink) where TSink : IReleaseSink<T>
    {
        if (!_started)
        {
            _started = true;
            _next = sequence;
            _highest = sequence;
        }
        _holding = false;
        if (sequence < _next)
        {
            // An ordered upstream never repeats or goes back unless it started afresh (its own source restarted, or
            // it is another origin after a redial): however small the step back, follow it, or the edge would drop
            // everything as late until the new numbers passed the old ones.
            Restart(sequence, ref sink);
        }
        else if (sequence > _next || _held > 0)
        {
            // Anything still held (from an unordered source before) goes first, in order.
            SkipUntil(sequence, ref sink);
            if (_next > sequence)
            {
                Counters.Duplicates++;
                return InsertOutcome.Duplicate;
            }
        }
        _next = sequence + 1;
        _highest = ulong.Max(_highest, sequence);
        Counters.Released++;
        sink.Release(sequence, item);
        return InsertOutcome.Accepted;
    }

    /// <summary>Ends the start-up hold and skips gaps whose wait is over. Call after each batch and on a timer.</summary>
    public void Expire<TSink>(long now, ref TSink sink) where TSink : IReleaseSink<T>
    {
        if (_holding)
        {
            if (now < _holdUntil)
            {
                return;
            }
            _holding = false;
            ReleaseRun(ref sink);
        }

        while (_held > 0)
        {
            // The head is missing (ReleaseRun left it so). Every held packet proves the gap, so it has been
            // waited for since the earliest of them arrived.
            if (now - OldestArrival() < _gapTimeout)
            {
                return;
            }
            var first = _next + 1;
            while (_items[(int)first & _mask] is null)
            {
                first++;
            }
            Counters.Lost += (long)(first - _next);
            _next = first;
            ReleaseRun(ref sink);
        }
    }

    /// <summary>Arrival time of the earliest held packet; a scan of at most one window, run only while blocked.</summary>
    private long OldestArrival()
    {
        var oldest = long.MaxValue;
        for (var sequence = _next + 1; sequence <= _highest; sequence++)
        {
            var slot = (int)sequence & _mask;
            if (_items[slot] is not null)
            {
                oldest = long.Min(oldest, _arrivals[slot]);
            }
        }
        return oldest;
    }

    /// <summary>Releases everything held, in order, counting the gaps between as lost; the next packet starts afresh.</summary>
    public void Flush<TSink>(ref TSink sink) where TSink : IReleaseSink<T>
    {
        if (_held > 0)
        {
            SkipUntil(_highest + 1, ref sink);
        }
        _started = false;
        _holding = false;
    }

    private void Restart<TSink>(ulong sequence, ref TSink sink) where TSink : IReleaseSink<T>
    {
        Counters.Restarts++;
        if (_held > 0)
        {
            SkipUntil(_highest + 1, ref sink);
        }
        _next = sequence;
        _highest = sequence;
    }

    /// <summary>Moves the delivery point up to <paramref name="target"/>, releasing what is held before it in order.</summary>
    private void SkipUntil<TSink>(ulong target, ref TSink sink) where TSink : IReleaseSink<T>
    {
        while (_next < target)
        {
            if (_held == 0)
            {
                Counters.Lost += (long)(target - _next);
                _next = target;
                break;
            }
            var slot = (int)_next & _mask;
            if (_items[slot] is { } item)
            {
                Take(slot, item, ref sink);
            }
            else
            {
                Counters.Lost++;
            }
            _next++;
        }
        ReleaseRun(ref sink);
    }

    private void ReleaseRun<TSink>(ref TSink sink) where TSink : IReleaseSink<T>
    {
        while (_held > 0)
        {
            var slot = (int)_next & _mask;
            if (_items[slot] is not { } item)
            {
                return;
            }
            Take(slot, item, ref sink);
            _next++;
        }
    }

    private void Take<TSink>(int slot, T item, ref TSink sink) where TSink : IReleaseSink<T>
    {
        _items[slot] = null;
        _held--;
        Counters.Released++;
        sink.Release(_sequences[slot], item);
    }

    private static long ToTicks(TimeSpan span, long frequency) => (long)(span.TotalSeconds * frequency);
}
