namespace Castd.Castload.Bench;

/// <param name="Target">What to drive.</param>
/// <param name="Host">The target's address (loopback).</param>
/// <param name="Port">The port subscribers dial: castd's stream port, Redis's or NATS's port.</param>
/// <param name="SourcePort">castd only: where castload listens as the channel source castd dials.</param>
/// <param name="User">castd only: the registered user every viewer watches as.</param>
/// <param name="Subscribers">Subscriber connections.</param>
/// <param name="PayloadSize">Bytes per message payload (the send time stamp leads it).</param>
/// <param name="Rate">Messages per second published; 0 = as fast as the slowest subscriber keeps up.</param>
/// <param name="Warmup">Run before measuring, so start-up transients stay out of the figures.</param>
/// <param name="Duration">Measured time.</param>
/// <param name="Behind">A subscriber whose delivery lags real time by more than this has fallen behind.</param>
/// <param name="WindowBytes">Most payload bytes the publisher runs ahead of the slowest live subscriber.</param>
/// <param name="Json">Print one JSON line instead of the text report.</param>
internal sealed record FanoutOptions(
    FanoutTarget Target,
    string Host,
    int Port,
    int SourcePort,
    string User,
    int Subscribers,
    int PayloadSize,
    double Rate,
    TimeSpan Warmup,
    TimeSpan Duration,
    TimeSpan Behind,
    int WindowBytes,
    bool Json)
{
    /// <summary>Messages the publisher may run ahead of the slowest subscriber (flow control at max rate).</summary>
    public int WindowMessages => int.Max(16, WindowBytes / PayloadSize);
}
