namespace Castd.Castload.Bench;

/// <summary>What <c>castload bench fanout</c> can drive: castd and the peers an operator would otherwise pick.</summary>
internal enum FanoutTarget
{
    /// <summary>castd: castload plays the channel source castd dials (docs/source.md); subscribers are raw viewers (docs/viewers.md).</summary>
    Castd,

    /// <summary>Redis pub/sub: PUBLISH on one connection, SUBSCRIBE on every other.</summary>
    Redis,

    /// <summary>NATS core: PUB on one connection, SUB on every other.</summary>
    Nats,

    /// <summary>The loopback ceiling: a minimal in-process writer sending 64 KiB chunks round-robin to the subscribers.</summary>
    Ceiling,
}
