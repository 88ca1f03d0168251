namespace Castd.Castload.View;

/// <summary>
/// What one viewer connection saw. The viewer's read loop is the only writer; the progress figures may be read from
/// other threads while it runs (a fans sampler), so they are written and read with volatile semantics.
/// </summary>
internal sealed class ViewerResult
{
    private long _bytes;
    private long _packets;
    private long _latencySumMicros;
    private long _latencyCount;
    private readonly TaskCompletionSource _firstByte = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string? Refusal { get; set; }

    /// <summary>castd closed the stream before the viewer meant to stop (e.g. cut as a slow viewer).</summary>
    public bool ClosedByServer { get; set; }

    /// <summary>Payload bytes received (raw mode: every byte).</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>From the start of the TCP connect to the first stream byte (or ERR line): the cost of admission plus the wait for a packet.</summary>
    public double? FirstByteMs { get; private set; }

    /// <summary>Completes when <see cref="FirstByteMs"/> is set, so a watcher can enforce a startup timeout.</summary>
    public Task FirstByte => _firstByte.Task;

    /// <summary>Framed only: packets received.</summary>
    public long Packets => Volatile.Read(ref _packets);

    /// <summary>
    /// Framed only: the count and sum of packets' latencies (from castload's send stamp, else from castd's receive time), so a sampler takes an interval's mean from two
    /// readings (read while the viewer runs, the sum may hold one sample more than the count: negligible in a mean).
    /// </summary>
    public (long Count, long SumMicros) Latency
    {
        get
        {
            var count = Volatile.Read(ref _latencyCount);
            return (count, Volatile.Read(ref _latencySumMicros));
        }
    }

    /// <summary>Framed only: sequence numbers skipped (lost upstream or by castd).</summary>
    public long Gaps { get; set; }

    /// <summary>Framed only: packets not strictly after the previous one. Must stay 0.</summary>
    public long OutOfOrder { get; set; }

    /// <summary>Framed only: payloads whose castload stamp or pattern did not match their sequence number.</summary>
    public long Corrupt { get; set; }

    public void AddBytes(long bytes) => Volatile.Write(ref _bytes, _bytes + bytes);

    public void AddPacket(long payloadBytes)
    {
        Volatile.Write(ref _packets, _packets + 1);
        AddBytes(payloadBytes);
    }

    public void AddLatency(long micros)
    {
        Volatile.Write(ref _latencySumMicros, _latencySumMicros + micros);
        Volatile.Write(ref _latencyCount, _latencyCount + 1);
    }

    public void MarkFirstByte(double milliseconds)
    {
        FirstByteMs = milliseconds;
        _firstByte.TrySetResult();
    }
}
