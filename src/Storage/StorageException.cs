namespace Castd.Storage;

/// <summary>The store cannot do what was asked: the message says why in an operator's words.</summary>
public sealed class StorageException(string message, Exception? inner = null) : Exception(message, inner);
