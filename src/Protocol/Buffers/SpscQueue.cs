namespace Castd.Protocol.Buffers;

/// <summary>A bounded single-producer single-consumer queue: the ingest loop enqueues, one sender dequeues.</summary>
/// <remarks>
/// Disruptor-style: a power-of-two array and two monotonically increasing counters on separate cache lines.
/// The producer writes the slot, then publishes it with a release store of <c>_tail</c>; the consumer reads
/// <c>_tail</c> with an acquire load before the slot, clears the slot, and frees it with a release store of
/// <c>_head</c>, which the producer reads with an acquire load before reusing the slot.
/// </remarks>
public sealed class SpscQueue<T> where T : class
{
    private readonly T?[] _slots;
    private readonly int _mask;
    private PaddedCounter _head;
    private PaddedCounter _tail;

    public SpscQueue(int capacity)
    {
        if (capacity < 2 || !int.IsPow2(capacity))
        {
            throw new ArgumentException($"Capacity {capacity} is not a power of two ≥ 2.", nameof(capacity));
        }
        _slots = new T?[capacity];
        _mask = capacity - 1;
    }

    public int Count => (int)(Volatile.Read(ref _tail.Value) - Volatile.Read(ref _head.Value));

    /// <summary>Producer only.</summary>
    public bool TryEnqueue(T item)
    {
        var tail = _tail.Value;
        if (tail - Volatile.Read(ref _head.Value) >= _slots.Length)
        {
            return false;
        }
        _slots[(int)tail & _mask] = item;
        Volatile.Write(ref _tail.Value, tail + 1);
        return true;
    }

    /// <summary>Consumer only.</summary>
    public bool TryDequeue(out T item)
    {
        var head = _head.Value;
        if (head == Volatile.Read(ref _tail.Value))
        {
            item = null!;
            return false;
        }
        var slot = (int)head & _mask;
        item = _slots[slot]!;
        _slots[slot] = null;
        Volatile.Write(ref _head.Value, head + 1);
        return true;
    }

    /// <summary>Consumer only: the item <paramref name="offset"/> places behind the head, left in place.</summary>
    public bool TryPeek(int offset, out T item)
    {
        var head = _head.Value + offset;
        if (head >= Volatile.Read(ref _tail.Value))
        {
            item = null!;
            return false;
        }
        item = _slots[(int)head & _mask]!;
        return true;
    }
}
