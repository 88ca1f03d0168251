namespace Castd.Castload.View;

/// <summary>What one viewer connection saw.</summary>
internal sealed class ViewerResult
{
    public string? Refusal { get; set; }
    /// <summary>castd closed the stream before the viewer meant to stop (e.g. cut as a slow viewer).</summary>
    public bool ClosedByServer { get; set; }
    public long Bytes { get; set; }
    /// <summary>From the start of the TCP connect to the first stream byte (or ERR line): the cost of admission plus the wait for a packet.</summary>
    public double? FirstByteMs { get; set; }
    public long Packets { get; set; }
    /// <summary>Framed only: sequence numbers skipped (lost upstream or by castd).</summary>
    public long Gaps { get; set; }
    /// <summary>Framed only: packets not strictly after the previous one. Must stay 0.</summary>
    public long OutOfOrder { get; set; }
    /// <summary>Framed only: payloads whose castload stamp or pattern did not match their sequence number.</summary>
    public long Corrupt { get; set; }
    public List<long> LatenciesMicros { get; } = [];
}
