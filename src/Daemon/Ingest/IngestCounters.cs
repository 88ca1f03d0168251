namespace Castd.Daemon.Ingest;

/// <summary>What the source connection has seen; written by the ingest loop, read by health and logs.</summary>
internal sealed class IngestCounters
{
    private int _connected;
    private long _reconnects;
    private long _protocolErrors;

    public bool Connected => Volatile.Read(ref _connected) == 1;
    public long Reconnects => Interlocked.Read(ref _reconnects);
    public long ProtocolErrors => Interlocked.Read(ref _protocolErrors);

    public void SetConnected(bool connected) => Volatile.Write(ref _connected, connected ? 1 : 0);
    public void CountReconnect() => Interlocked.Increment(ref _reconnects);
    public void CountProtocolError() => Interlocked.Increment(ref _protocolErrors);
}
