namespace Castd.Daemon.Diagnostics;

/// <summary>Packets and bytes written to viewers, summed over all of them; added to once per send, not per packet.</summary>
internal sealed class DeliveryCounters
{
    private long _packets;
    private long _bytes;

    public long Packets => Interlocked.Read(ref _packets);

    public long Bytes => Interlocked.Read(ref _bytes);

    public void Add(int packets, int bytes)
    {
        Interlocked.Add(ref _packets, packets);
        Interlocked.Add(ref _bytes, bytes);
    }
}
