namespace Castd.Storage.Chat;

/// <summary>A castd alone: its hub's own per-handle limit is the whole limit and nobody else is listening.</summary>
public sealed class LocalChatBus : IChatBus
{
    public static readonly LocalChatBus Instance = new();

    private static readonly ChatClaim Claim = new("", "local");

    public ValueTask<ChatClaim?> TryClaimAsync(string handle, int limit) => ValueTask.FromResult<ChatClaim?>(Claim);

    public void Release(ChatClaim claim)
    {
    }

    public ValueTask<bool> IsOnlineElsewhereAsync(string handle) => ValueTask.FromResult(false);

    public void Subscribe(ChatTopic topic, string name)
    {
    }

    public void Unsubscribe(ChatTopic topic, string name)
    {
    }

    public Task PublishAsync(ChatTopic topic, ReadOnlySpan<byte> name, ReadOnlySpan<byte> frame) => Task.CompletedTask;

    public void Listen(Action<ChatTopic, string, ReadOnlyMemory<byte>> received)
    {
    }
}
