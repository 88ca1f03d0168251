namespace Castd.Daemon.Chat;

/// <summary>Chat admission and limits (docs/chat.md).</summary>
internal sealed class ChatOptions
{
    /// <summary>Unregistered handles may chat.</summary>
    public required bool Open { get; init; }
    public required int MaxConnectionsPerUser { get; init; }
    public required int MaxMessageBytes { get; init; }
    /// <summary>Rooms one connection may be in at once.</summary>
    public required int MaxRooms { get; init; }
    /// <summary>Messages one connection may send a second, in bursts of as many; 0 = no limit.</summary>
    public required int MessagesPerSecond { get; init; }
}
