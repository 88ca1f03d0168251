namespace Castd.Storage.Chat;

/// <summary>What a fleet chat message is addressed to (docs/chat.md): every connection of a handle, or a room.</summary>
public enum ChatTopic
{
    User,
    Room,
}
