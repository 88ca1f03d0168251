using System.Net.Sockets;
using System.Numerics;
using Castd.Daemon.Channels;
using Castd.Daemon.Diagnostics;
using Castd.Protocol.Buffers;
using Castd.Protocol.Http;

namespace Castd.Daemon.Streams;

/// <summary>
/// One viewer's (or relay connection's) outbound side: a bounded queue of shared packets filled by the ingest thread,
/// drained in whole gather-sent batches by a delivery thread (<see cref="DeliveryThreads"/>), or by the thread pool
/// after a send that had to wait for room and when it closes. Falling behind the byte budget closes it instead of
/// slowing anyone else (docs/viewers.md, docs/relay.md).
/// </summary>
/// <remarks>
/// <para>The ingest thread is the queue's only producer. The consumer side (gathering, sending, releasing) is
/// owned by whoever holds <c>_scheduled</c> = 1: a flush on a delivery thread or a queued work item, then a pending
/// send, then the send's completion callback. The interlocked hand-overs of <c>_scheduled</c> order one owner's writes before the next's.</para>
/// <para>Nothing is allocated per packet or per send: the outbox itself is its thread-pool work item and the sender
/// gathers with one direct sendmsg (see <see cref="GatherSend"/>).</para>
/// </remarks>
internal sealed class StreamOutbox : ISubscriber, IThreadPoolWorkItem, ISendCompletion
{
    /// <summary>64 packets of 1336 bytes ≈ 85 KB a sendmsg: at two segments a packet (relay) well inside IOV_MAX (1024) and a loopback send buffer.</summary>
    private const int MaxPacketsPerSend = 64;

    private readonly int _queueCapacity;
    private SpscQueue<PacketBuffer>? _queue;
    private readonly List<ArraySegment<byte>> _segments = new(2 * MaxPacketsPerSend);
    private readonly WireFormat _format;
    private long _budgetBytes;
    private readonly Action<DisconnectReason> _onClose;
    private readonly DeliveryCounters _delivery;
    private readonly CastdMetrics _metrics;
    private readonly TimeProvider _time;
    private IPacketSender? _sender;
    /// <summary>The chunk-size line of <see cref="WireFormat.Chunked"/>: rewritten per send, pinned for sendmsg.</summary>
    private readonly byte[]? _chunkHeader;
    private long _queuedBytes;
    private int _scheduled;
    private int _closeReason;
    private int _inFlightCount;
    private int _inFlightBytes;

    public StreamOutbox(WireFormat format, int budgetBytes, DeliveryCounters delivery, CastdMetrics metrics, TimeProvider time, Action<DisconnectReason> onClose)
    {
        (_delivery, _metrics, _time) = (delivery, metrics, time);
        _format = format;
        _budgetBytes = budgetBytes;
        _onClose = onClose;
        // Slots for the budget's worth of 1 KiB packets: enough for MPEG-TS payloads, 8 bytes a slot. Allocated with
        // the first packet, so a viewer waiting for a channel to go live costs 8 KiB less.
        _queueCapacity = (int)uint.Clamp(BitOperations.RoundUpToPowerOf2((uint)budgetBytes / 1024), 64, 1 << 16);
        if (format == WireFormat.Chunked)
        {
            _chunkHeader = GC.AllocateArray<byte>(ChunkedEncoding.MaxSizeLineLength, pinned: true);
        }
    }

    public long PacketsSent { get; private set; }

    public long BytesSent { get; private set; }

    public DisconnectReason CloseReason => (DisconnectReason)Volatile.Read(ref _closeReason);

    public void Attach(IPacketSender sender) => _sender = sender;

    public void Reserve(int packets, long bytes)
    {
        // Called before the first Enqueue, so the queue is made once at its final size.
        _queue ??= new SpscQueue<PacketBuffer>((int)BitOperations.RoundUpToPowerOf2((uint)(_queueCapacity + packets)));
        _budgetBytes += bytes;
    }

    public void Enqueue(PacketBuffer packet)
    {
        if (Volatile.Read(ref _closeReason) != 0)
        {
            return;
        }
        var size = SizeOf(packet);
        // Published to the consumer by the interlocked Schedule() that precedes any drain.
        var queue = _queue ??= new SpscQueue<PacketBuffer>(_queueCapacity);
        packet.AddRef();
        if (Volatile.Read(ref _queuedBytes) + size > _budgetBytes || !queue.TryEnqueue(packet))
        {
            packet.Release();
            Close(DisconnectReason.Slow);
            return;
        }
        Interlocked.Add(ref _queuedBytes, size);
        if (Volatile.Read(ref _closeReason) != 0)
        {
            // Closed while this packet went in: make sure a drain runs after it.
            Schedule();
        }
    }

    public void Flush()
    {
        if (QueuedCount > 0 && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            SendMore();
        }
    }

    /// <summary>Stops sending; queued packets are released by the consumer side. The first reason wins.</summary>
    public void Close(DisconnectReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, 0) == 0)
        {
            _onClose(reason);
            Schedule();
        }
    }

    void IThreadPoolWorkItem.Execute() => SendMore();

    void ISendCompletion.OnSendCompleted(SocketError error)
    {
        Completed(error);
        SendMore();
    }

    private void Schedule()
    {
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private void SendMore()
    {
        while (true)
        {
            if (Volatile.Read(ref _closeReason) != 0)
            {
                Drain();
            }
            else if (Gather() > 0)
            {
                if (!_sender!.TrySend(_segments, out var error))
                {
                    return;
                }
                Completed(error);
                continue;
            }

            // Nothing to send: give up ownership, then take it back if the producer slipped something in meanwhile.
            Volatile.Write(ref _scheduled, 0);
            if (QueuedCount == 0 || Interlocked.CompareExchange(ref _scheduled, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private int QueuedCount => _queue?.Count ?? 0;

    private int Gather()
    {
        _segments.Clear();
        if (_format == WireFormat.Chunked)
        {
            _segments.Add(default);
        }
        var bytes = 0;
        var count = 0;
        for (; count < MaxPacketsPerSend && _queue!.TryPeek(count, out var packet); count++)
        {
            switch (_format)
            {
                case WireFormat.Raw or WireFormat.Chunked:
                    _segments.Add(packet.Raw);
                    break;
                case WireFormat.Framed:
                    _segments.Add(packet.Framed);
                    break;
                default:
                    _segments.Add(packet.RelayHeader);
                    _segments.Add(packet.Raw);
                    break;
            }
            bytes += SizeOf(packet);
        }
        if (_format == WireFormat.Chunked && count > 0)
        {
            // One HTTP chunk a send: its size line, the payloads, its CRLF.
            _segments[0] = new ArraySegment<byte>(_chunkHeader!, 0, ChunkedEncoding.WriteSizeLine(_chunkHeader, bytes));
            _segments.Add(ChunkedEncoding.Crlf);
        }
        _inFlightCount = count;
        _inFlightBytes = bytes;
        return count;
    }

    private int SizeOf(PacketBuffer packet) => _format switch
    {
        WireFormat.Raw or WireFormat.Chunked => packet.Raw.Count,
        WireFormat.Framed => packet.Framed.Count,
        _ => packet.RelayHeader.Count + packet.Raw.Count,
    };

    private void Completed(SocketError error)
    {
        if (error == SocketError.Success && _inFlightCount > 0)
        {
            // One latency sample per send, for its oldest packet: the worst case of the batch, at no per-packet cost.
            _queue!.TryPeek(0, out var oldest);
            _metrics.RecordDeliveryLatency(_time.GetElapsedTime(oldest.ReceivedTimestamp));
            _delivery.Add(_inFlightCount, _inFlightBytes);
        }
        for (var i = 0; i < _inFlightCount; i++)
        {
            _queue!.TryDequeue(out var packet);
            packet.Release();
        }
        Interlocked.Add(ref _queuedBytes, -_inFlightBytes);
        if (error == SocketError.Success)
        {
            PacketsSent += _inFlightCount;
            BytesSent += _inFlightBytes;
        }
        else
        {
            Close(error is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.OperationAborted or SocketError.ConnectionAborted
                ? DisconnectReason.Closed
                : DisconnectReason.Error);
        }
        _inFlightCount = 0;
        _inFlightBytes = 0;
    }

    private void Drain()
    {
        while (_queue is not null && _queue.TryDequeue(out var packet))
        {
            Interlocked.Add(ref _queuedBytes, -SizeOf(packet));
            packet.Release();
        }
        _sender?.Dispose();
    }
}
