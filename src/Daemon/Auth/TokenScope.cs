namespace Castd.Daemon.Auth;

/// <summary>What a token lets its user do: the words of its <c>scope</c> claim.</summary>
internal enum TokenScope
{
    /// <summary><c>play</c>: watch the channel in <c>ch</c> (or any, <c>*</c>) on the stream port or <c>/live</c>.</summary>
    Play,

    /// <summary><c>chat</c>: connect to the chat as <c>sub</c>.</summary>
    Chat,

    /// <summary><c>session</c>: open, heartbeat and end HTTP sessions of <c>sub</c>'s account.</summary>
    Session,
}
