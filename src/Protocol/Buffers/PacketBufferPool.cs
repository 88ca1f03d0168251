using Microsoft.Extensions.ObjectPool;

namespace Castd.Protocol.Buffers;

/// <summary>
/// Recycles <see cref="PacketBuffer"/>s with their arrays, so a steady stream allocates nothing. Each buffer
/// keeps its own array (rather than renting from ArrayPool.Shared) because thousands are in flight at once in
/// viewer queues, more than the shared pool's per-core stacks retain.
/// </summary>
public sealed class PacketBufferPool
{
    /// <summary>20-byte framed header + 1316-byte payload (7 × 188 TS packets), rounded up to 2 KiB.</summary>
    public const int DefaultBufferSize = 2048;

    /// <summary>Arrays grown beyond this for an unusually large payload are dropped rather than hoarded.</summary>
    private const int MaxRetainedBufferSize = 64 * 1024;

    private readonly ObjectPool<PacketBuffer> _pool;

    /// <param name="maximumRetained">Buffers kept for reuse; about the packets in flight across all viewer queues.</param>
    public PacketBufferPool(int maximumRetained = 16384)
    {
        _pool = new DefaultObjectPoolProvider { MaximumRetained = maximumRetained }.Create(new Policy(this));
    }

    public PacketBuffer Rent() => _pool.Get();

    internal void Return(PacketBuffer buffer) => _pool.Return(buffer);

    private sealed class Policy(PacketBufferPool owner) : IPooledObjectPolicy<PacketBuffer>
    {
        public PacketBuffer Create() => new(owner, DefaultBufferSize);

        public bool Return(PacketBuffer buffer) => buffer.Capacity <= MaxRetainedBufferSize;
    }
}
