namespace Castd.Daemon.Streams;

/// <summary>Why a stream connection is turned away: an <c>ERR</c> code or HTTP status, and one line of text.</summary>
internal readonly record struct StreamRefusal(int Code, string Text);
