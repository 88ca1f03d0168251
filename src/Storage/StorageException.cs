namespace Castd.Storage;

/// <summary>The store cannot do what was asked: the message says why in an operator's words.</summary>
/// <param name="unavailable">The store could not be reached (a fleet store's network or nodes) or cannot write for now
/// (a full or read-only disk it is recovering from), as opposed to failing an operation it received: callers answer
/// 503 ("try again") rather than 500.</param>
public sealed class StorageException(string message, Exception? inner = null, bool unavailable = false) : Exception(message, inner)
{
    public bool Unavailable { get; } = unavailable;
}
