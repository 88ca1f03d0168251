using System.Diagnostics.CodeAnalysis;

namespace Castd.Protocol.Source;

/// <summary>Why a channel-source connection was rejected (docs/source.md). Each one drops the connection.</summary>
public enum SourceProtocolViolation
{
    PayloadTooLarge,
    InvalidChannelId,
    TruncatedFrame,

    /// <summary>A frame begun and not finished within the stall timeout: the source hangs or trickles (docs/source.md frames come whole).</summary>
    StalledFrame,
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
            SourceProtocolViolation.StalledFrame => $"a frame stayed incomplete for {detail} ms",
            _ => violation.ToString(),
        });
}
