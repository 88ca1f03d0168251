namespace Castd.Storage.Sessions;

/// <param name="Key">The stream id of an HTTP session, or the channel of a stream viewer.</param>
public sealed record SessionInfo(string Id, string Account, SessionKind Kind, string Key, SessionStatus Status, DateTimeOffset Since);
