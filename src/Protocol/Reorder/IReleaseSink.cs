namespace Castd.Protocol.Reorder;

/// <summary>Receives the packets a <see cref="ReorderRing{T}"/> releases, in strictly increasing sequence order.</summary>
/// <remarks>Implement it on a struct: the ring's methods are generic over the sink so the call is devirtualised.</remarks>
public interface IReleaseSink<in T>
{
    void Release(ulong sequence, T item);
}
