namespace Castd.Protocol.Reorder;

/// <summary>
/// Puts one channel's packets back in sequence order (docs/source.md): a power-of-two window of slots indexed by
/// <c>sequence &amp; mask</c>, a start-up hold, whole contiguous runs released at once, and missing numbers
/// skipped as lost after the gap timeout or when the window overflows. The order holds across source connections:
/// nothing is ever released after a later number (<see cref="SourceLost"/>).
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
    private readonly long _reconnectWait;

    // A new source connection's first packets below the delivery point, kept until its numbers tell whether the
    // source went on (they are late) or started again (they start the channel afresh): see SourceLost.
    private readonly ulong[] _asideSequences;
    private readonly T?[] _asideItems;
    private readonly long[] _asideArrivals;
    private int _aside;

    private bool _started;
    private bool _reconnected;
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
        // A source that goes on sends a number at the point within a gap timeout, as it fills any gap.
        _reconnectWait = long.Max(_startupHold, _gapTimeout);
        // A sixteenth of the window (64 of the default 1,024 numbers, ~1.3 s at 50 packets/s), at least 4: more than
        // a source that goes on sends again below the delivery point (the frame a break cut, the rest of a shuffled
        // block), so a new connection that sends more than this below it has started again.
        var aside = int.Max(4, options.Capacity / 16);
        _asideSequences = new ulong[aside];
        _asideItems = new T?[aside];
        _asideArrivals = new long[aside];
    }

    public ReorderCounters Counters { get; } = new();

    /// <summary>Packets held waiting for an earlier sequence number (the reorder depth), or for a new connection's numbers to tell.</summary>
    public int Held => _held + _aside;

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
        else if (_reconnected && SetAside(sequence, item, now, ref sink))
        {
            return InsertOutcome.Accepted;
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
    /// A packet from an ordered relay (docs/relay.md): its upstream has reordered the channel already, so nothing is held
    /// and nothing waited for. A jump in sequence numbers is a final loss, counted at once; an earlier (or repeated)
    /// number is a restart of the upstream, never "late".
    /// </summary>
    public InsertOutcome InsertOrdered<TSink>(ulong sequence, T item, ref TSink sink) where TSink : IReleaseSink<T>
    {
        if (_reconnected)
        {
            // An ordered upstream after a redial (restarted, or another origin) goes on from its live point: what is
            // held goes first, and the numbers in between are not counted as lost.
            _reconnected = false;
            ReleaseHeld(ref sink);
            _started = false;
        }
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
        if (_aside > 0 && now - _asideArrivals[0] >= _reconnectWait)
        {
            // The new connection stayed below the delivery point a gap timeout (or start-up hold) long: it started again.
            StartAgain(null, now, ref sink);
        }
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

    /// <summary>
    /// The source connection ended. What is held stays, its gaps still timed by <see cref="Expire{TSink}"/>, so a frame
    /// the break cut that the source sends again can still fill its gap. The new connection's numbers then tell a source
    /// that went on from one that started again: at or above the delivery point (within the window) it went on, and
    /// anything it sends below the point is late, never released out of order; far below or beyond the window it
    /// started again; just below, its packets are set aside until a number at the point (it went on) or the gap timeout
    /// or start-up hold, whichever is longer (it started again), decides. A source that goes on but sends nothing at
    /// the point for that long is taken for one that started again.
    /// </summary>
    public void SourceLost() => _reconnected = _started;

    /// <summary>A new connection's packet while its numbering is undecided; true when it was set aside.</summary>
    private bool SetAside<TSink>(ulong sequence, T item, long now, ref TSink sink) where TSink : IReleaseSink<T>
    {
        if (sequence >= _next && sequence - _next < Capacity)
        {
            GoOn(ref sink);
            return false;
        }
        if (sequence < _next && _next - sequence <= Capacity && _aside < _asideItems.Length)
        {
            (_asideSequences[_aside], _asideItems[_aside], _asideArrivals[_aside]) = (sequence, item, now);
            _aside++;
            return true;
        }
        StartAgain(sequence, now, ref sink);
        return false;
    }

    /// <summary>The source went on with its numbering: what the new connection sent below the delivery point is late.</summary>
    private void GoOn<TSink>(ref TSink sink) where TSink : IReleaseSink<T>
    {
        _reconnected = false;
        for (var i = 0; i < _aside; i++)
        {
            Counters.Late++;
            sink.Drop(_asideItems[i]!);
            _asideItems[i] = null;
        }
        _aside = 0;
    }

    /// <summary>
    /// The source started a new numbering: what is held goes first, then the new connection's packets from the lowest
    /// (set aside, or <paramref name="arriving"/> now), with the start-up hold a channel's first packet gets, counted
    /// from the new connection's first packet; no loss is counted in between.
    /// </summary>
    private void StartAgain<TSink>(ulong? arriving, long now, ref TSink sink) where TSink : IReleaseSink<T>
    {
        _reconnected = false;
        var start = arriving ?? ulong.MaxValue;
        for (var i = 0; i < _aside; i++)
        {
            start = ulong.Min(start, _asideSequences[i]);
        }
        Restart(start, ref sink);
        _holding = _startupHold > 0;
        _holdUntil = (_aside > 0 ? _asideArrivals[0] : now) + _startupHold;
        var aside = _aside;
        _aside = 0;
        for (var i = 0; i < aside; i++)
        {
            var item = _asideItems[i]!;
            _asideItems[i] = null;
            if (Insert(_asideSequences[i], item, _asideArrivals[i], ref sink) != InsertOutcome.Accepted)
            {
                sink.Drop(item);
            }
        }
    }

    private void Restart<TSink>(ulong sequence, ref TSink sink) where TSink : IReleaseSink<T>
    {
        Counters.Restarts++;
        ReleaseHeld(ref sink);
        _next = sequence;
        _highest = sequence;
    }

    /// <summary>Releases everything held, in order, counting the numbers missing between as lost.</summary>
    private void ReleaseHeld<TSink>(ref TSink sink) where TSink : IReleaseSink<T>
    {
        if (_held > 0)
        {
            SkipUntil(_highest + 1, ref sink);
        }
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
