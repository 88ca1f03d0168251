namespace Castd.Castload.View;

/// <summary>What one viewer connection saw.</summary>
internal sealed class ViewerResult
{
    private readonly TaskCompletionSource _firstByte = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string? Refusal { get; set; }
    /// <summary>castd closed the stream before the viewer meant to stop (e.g. cut as a slow viewer).</summary>
    public bool ClosedByServer { get; set; }
    public long Bytes { get; set; }
    /// <summary>From the start of the TCP connect to the first stream byte (or ERR line): the cost of admission plus the wait for a packet.</summary>
    public double? FirstByteMs { get; private set; }

    /// <summary>Completes when <see cref="FirstByteMs"/> is set, so a watcher can enforce a startup timeout.</summary>
    public Task FirstByte => _firstByte.Task;
    public long Packets { get; set; }
    /// <summary>Framed only: sequence numbers skipped (lost upstream or by castd).</summary>
    public long Gaps { get; set; }
    /// <summary>Framed only: packets not strictly after the previous one. Must stay 0.</summary>
    public long OutOfOrder { get; set; }
    /// <summary>Framed only: payloads whose castload stamp or pattern did not match their sequence number.</summary>
    public long Corrupt { get; set; }
    /// <summary>Framed only: castload-stamped payloads, source send → received here (end to end).</summary>
    public List<long> LatenciesMicros { get; } = [];
    /// <summary>Framed only: payloads without castload's stamp, castd's receive time (framed header) → received here.</summary>
    public List<long> CastdLatenciesMicros { get; } = [];

    public void MarkFirstByte(double milliseconds)
    {
        FirstByteMs = milliseconds;
        _firstByte.TrySetResult();
    }
}
