namespace Castd.Storage.Sessions;

public enum SessionKind
{
    /// <summary>An external player's session over HTTP: alive while it heartbeats within the TTL.</summary>
    Http,
    /// <summary>A viewer connection on the stream port: alive while connected.</summary>
    Stream,
}
