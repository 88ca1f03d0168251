namespace Castd.Storage.Chat;

/// <summary>A castd alone: its hub's own per-handle limit is the whole limit and nobody else is listening.</summary>
public sealed class LocalChatBus : IChatBus
{
    public static readonly LocalChatBus Instance = new();

    private static readonly ChatClaim Claim = new("", "local");

    public ChatClaim? TryClaim(string handle, int limit) => Claim;

    public void Release(ChatClaim claim)
    {
    }

    public bool IsOnlineElsewhere(string handle) => false;

    public void Subscribe(ChatTopic topic, string name)
    {
    }

    public void Unsubscribe(ChatTopic topic, string name)
    {
    }

    public void Publish(ChatTopic topic, ReadOnlySpan<byte> name, ReadOnlySpan<byte> frame)
    {
    }

    public void Listen(Action<ChatTopic, string, ReadOnlyMemory<byte>> received)
    {
    }
}
