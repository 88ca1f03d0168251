namespace Castd.Storage.Chat;

/// <summary>
/// Chat beyond this process (docs/fleet.md): the per-handle connection limit counted over the fleet, and encoded frames
/// carried to the other castd that have the recipient or room. A process never receives its own publications back:
/// it delivers to its own connections itself.
/// </summary>
/// <remarks>Failures surface as <see cref="StorageException"/> with <see cref="StorageException.Unavailable"/> set.</remarks>
public interface IChatBus
{
    /// <summary>Claims one of <paramref name="handle"/>'s connection slots fleet-wide; null when all are taken.</summary>
    ValueTask<ChatClaim?> TryClaimAsync(string handle, int limit);

    /// <summary>Gives the slot back; never waits and never fails (a claim not released now runs out by itself).</summary>
    void Release(ChatClaim claim);

    /// <summary>True when the handle has a chat connection on another castd.</summary>
    ValueTask<bool> IsOnlineElsewhereAsync(string handle);

    /// <summary>Starts hearing a topic; counted, so each <see cref="Subscribe"/> needs one <see cref="Unsubscribe"/>.
    /// Never waits and never fails: a subscription made while Redis is unreachable is made when it is back.</summary>
    void Subscribe(ChatTopic topic, string name);

    void Unsubscribe(ChatTopic topic, string name);

    /// <summary>Sends an encoded frame to the other castd that subscribed to the topic (named in ASCII: a handle or a
    /// room id). Takes spans and copies what it sends before returning, so the caller may reuse them at once, and a
    /// castd alone, whose bus does nothing, allocates nothing per message.</summary>
    Task PublishAsync(ChatTopic topic, ReadOnlySpan<byte> name, ReadOnlySpan<byte> frame);

    /// <summary>Sets who gets frames published by other castd (once, before the first subscription).</summary>
    void Listen(Action<ChatTopic, string, ReadOnlyMemory<byte>> received);
}

/// <summary>One connection's slot in its handle's fleet-wide count.</summary>
public sealed record ChatClaim(string Handle, string Id);
