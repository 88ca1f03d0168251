namespace Castd.Daemon.Chat;

/// <summary>Chat admission and limits (docs/chat.md).</summary>
internal sealed class ChatOptions
{
    /// <summary>Unregistered handles may chat.</summary>
    public required bool Open { get; init; }
    public required int MaxConnectionsPerUser { get; init; }
    public required int MaxMessageBytes { get; init; }
}
