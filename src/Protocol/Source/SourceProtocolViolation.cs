using System.Diagnostics.CodeAnalysis;

namespace Castd.Protocol.Source;

/// <summary>Why a channel-source connection was rejected (SPEC §1). Each one drops the connection.</summary>
public enum SourceProtocolViolation
{
    PayloadTooLarge,
    InvalidChannelId,
    TruncatedFrame,
}

public sealed class SourceProtocolException(SourceProtocolViolation violation, string message) : Exception(message)
{
    public SourceProtocolViolation Violation { get; } = violation;

    [DoesNotReturn]
    public static void Throw(SourceProtocolViolation violation, long detail = 0) =>
        throw new SourceProtocolException(violation, violation switch
        {
            SourceProtocolViolation.PayloadTooLarge => $"payload length {detail} exceeds the maximum",
            SourceProtocolViolation.InvalidChannelId => "channel id is not six printable ASCII bytes",
            SourceProtocolViolation.TruncatedFrame => "connection ended inside a frame",
            _ => violation.ToString(),
        });
}
