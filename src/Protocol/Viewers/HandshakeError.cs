namespace Castd.Protocol.Viewers;

/// <summary>Why a viewer's request line was refused (docs/viewers.md); each maps to one <c>ERR</c> reply.</summary>
public enum HandshakeError
{
    None,
    LineTooLong,
    Malformed,
    InvalidUserId,
    InvalidChannelId,
    UnknownOption,
}
