namespace Castd.Daemon.Streams;

/// <summary>Streams ended, by reason; every reason starts at 0 so its series exists before the first disconnect.</summary>
internal sealed class DisconnectCounts
{
    private readonly long[] _disconnects = new long[Enum.GetValues<DisconnectReason>().Length];

    public void CountDisconnect(DisconnectReason reason) => Interlocked.Increment(ref _disconnects[(int)reason]);

    public IReadOnlyDictionary<string, long> Disconnects =>
        Enum.GetValues<DisconnectReason>().Where(r => r != DisconnectReason.None)
            .ToDictionary(r => r.ToString(), r => Interlocked.Read(ref _disconnects[(int)r]));
}
