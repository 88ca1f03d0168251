namespace Castd.Protocol.Reorder;

/// <summary>Receives the packets a <see cref="ReorderRing{T}"/> releases, in strictly increasing sequence order, and the few it drops after accepting them.</summary>
/// <remarks>Implement it on a struct: the ring's methods are generic over the sink so the call is devirtualised.</remarks>
public interface IReleaseSink<in T>
{
    void Release(ulong sequence, T item);

    /// <summary>Takes back an item the ring had accepted and then found late (a new source connection that went on below the delivery point).</summary>
    void Drop(T item);
}
