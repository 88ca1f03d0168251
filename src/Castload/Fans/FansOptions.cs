namespace Castd.Castload.Fans;

/// <summary>What <c>castload fans</c> was asked to do.</summary>
/// <param name="Http">castd's HTTP endpoint (registration, chat), host:port.</param>
/// <param name="Users">Fans kept connected at once, over all nodes.</param>
/// <param name="Ramp">Time between one fan joining and the next, over all nodes.</param>
/// <param name="PercentNew">Share of fans that are brand-new accounts registered as they join; the rest watch as
/// pre-created <c>testfan&lt;ExistingOffset + slot&gt;</c> accounts.</param>
/// <param name="Raw">Ask for raw streams: media time is then bytes ÷ <paramref name="PacketBytes"/> × the packet duration, and there is no latency.</param>
/// <param name="LagSeconds">A fan is lagged when wall time since it started exceeds the media seconds it received by more than this.</param>
/// <param name="ReadBytesPerSecond">Fans read no faster than this (fans on slow links); 0 = as fast as bytes come.</param>
/// <param name="ReplaceDelay">Wait before a fan that ended is replaced, so a refusing castd is not hammered.</param>
/// <param name="Output">CSV file, or "-" for standard output.</param>
/// <param name="Quiet">No live view (the nodes of an SSH run).</param>
internal sealed record FansOptions(
    string Http,
    string StreamHost,
    int StreamPort,
    string Channel,
    int Users,
    TimeSpan Ramp,
    double PercentNew,
    int ExistingOffset,
    TimeSpan Duration,
    double ChatRate,
    bool Raw,
    double PacketMs,
    int PacketBytes,
    TimeSpan Interval,
    double LagSeconds,
    long ReadBytesPerSecond,
    TimeSpan ReplaceDelay,
    FanNode Node,
    string RunId,
    string Output,
    bool Quiet);

/// <summary>
/// This process's share of a run spread over <see cref="Count"/> nodes: node i takes every Count-th slot and fan
/// number starting at i, and joins its fans on the run's common ramp, so together the nodes act as one crowd.
/// </summary>
internal readonly record struct FanNode(int Index, int Count)
{
    public static readonly FanNode Alone = new(0, 1);

    /// <summary>Slots this node fills: the global slot numbers of its share of <paramref name="users"/>.</summary>
    public IEnumerable<int> Slots(int users)
    {
        for (var slot = Index; slot < users; slot += Count)
        {
            yield return slot;
        }
    }

    /// <summary>The run-wide number of this node's <paramref name="local"/>-th fan.</summary>
    public long FanNumber(long local) => local * Count + Index;

    public static bool TryParse(string text, out FanNode node)
    {
        node = default;
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out var index) && int.TryParse(parts[1], out var count)
            && count > 0 && index >= 0 && index < count)
        {
            node = new FanNode(index, count);
            return true;
        }
        return false;
    }

    public override string ToString() => $"{Index}/{Count}";
}
