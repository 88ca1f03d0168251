using System.Net;
using Castd.Daemon.Streams;
using Castd.Protocol.Source;

namespace Castd.Daemon.Diagnostics;

/// <summary>castd's log lines with stable event ids, grouped by area in the hundreds. Never one per packet.</summary>
internal static partial class Log
{
    // 1xx: channel source
    [LoggerMessage(100, LogLevel.Information, "Connected to channel source {Host}:{Port} after {Failures} failed attempts")]
    public static partial void SourceConnected(ILogger logger, string host, int port, int failures);

    [LoggerMessage(101, LogLevel.Warning, "Channel source closed the connection; redialling")]
    public static partial void SourceClosed(ILogger logger);

    [LoggerMessage(102, LogLevel.Warning, "Channel source {Host}:{Port} unavailable ({Failures} attempts so far): {Reason}")]
    public static partial void SourceUnavailable(ILogger logger, string host, int port, int failures, string reason);

    [LoggerMessage(103, LogLevel.Error, "Channel source protocol error {Violation}: {Reason}; dropping the connection")]
    public static partial void SourceProtocolError(ILogger logger, SourceProtocolViolation violation, string reason);

    // 2xx: stream connections. Viewers and players at Debug: a line per viewer costs ~1 ms of console I/O each and
    // stalled a burst of 1,000 joins by a second (bench/sessions); joins, leaves and refusals are counted in /healthz
    // instead. Relay edges at Information (5xx): there are a handful per origin, and each matters.
    public static void StreamJoined(ILogger logger, StreamKind kind, object stream, EndPoint? remote)
    {
        if (kind == StreamKind.Relay)
        {
            RelayJoined(logger, remote);
        }
        else
        {
            ViewerJoined(logger, kind, stream, remote);
        }
    }

    public static void StreamLeft(ILogger logger, StreamKind kind, object stream, EndPoint? remote, DisconnectReason reason, long packets, long bytes)
    {
        if (kind == StreamKind.Relay)
        {
            RelayLeft(logger, remote, reason, packets, bytes);
        }
        else
        {
            ViewerLeft(logger, kind, stream, remote, reason, packets, bytes);
        }
    }

    [LoggerMessage(200, LogLevel.Debug, "{Kind} {Stream} joined from {Remote}")]
    private static partial void ViewerJoined(ILogger logger, StreamKind kind, object stream, EndPoint? remote);

    [LoggerMessage(201, LogLevel.Debug, "{Kind} {Stream} from {Remote} left: {Reason}, {Packets} packets, {Bytes} bytes")]
    private static partial void ViewerLeft(ILogger logger, StreamKind kind, object stream, EndPoint? remote, DisconnectReason reason, long packets, long bytes);

    /// <param name="remote">An endpoint, formatted only when the line is written.</param>
    [LoggerMessage(202, LogLevel.Debug, "{Kind} refused from {Remote}: {Code} {Text}")]
    public static partial void StreamRefused(ILogger logger, StreamKind kind, object? remote, int code, string text);

    [LoggerMessage(203, LogLevel.Warning, "Stream port cannot accept: {Error}; raise LimitNOFILE (castd doctor)")]
    public static partial void AcceptFailed(ILogger logger, string error);

    // 3xx: storage and usage
    [LoggerMessage(301, LogLevel.Error, "Usage flush of {Records} records failed (attempt {Attempt}); keeping them for the next attempt")]
    public static partial void UsageFlushFailed(ILogger logger, int records, int attempt, Exception exception);

    [LoggerMessage(302, LogLevel.Information, "Final usage flush: {Records} records")]
    public static partial void UsageFinalFlush(ILogger logger, int records);

    [LoggerMessage(303, LogLevel.Information, "Pruned {Count} usage buckets older than 24 hours")]
    public static partial void UsagePruned(ILogger logger, int count);

    [LoggerMessage(304, LogLevel.Error, "Registration of {User} failed")]
    public static partial void RegisterFailed(ILogger logger, string user, Exception exception);

    [LoggerMessage(305, LogLevel.Warning, "Usage flush succeeded again after {Attempts} failed attempts: {Records} records written")]
    public static partial void UsageFlushRecovered(ILogger logger, int attempts, int records);

    [LoggerMessage(306, LogLevel.Error, "Pruning old usage buckets failed; the next prune retries")]
    public static partial void UsagePruneFailed(ILogger logger, Exception exception);

    // 5xx: relay connections (docs/relay.md).
    [LoggerMessage(500, LogLevel.Information, "Relay connection from {Remote} joined every channel")]
    private static partial void RelayJoined(ILogger logger, EndPoint? remote);

    [LoggerMessage(501, LogLevel.Information, "Relay connection from {Remote} left: {Reason}, {Packets} packets, {Bytes} bytes")]
    private static partial void RelayLeft(ILogger logger, EndPoint? remote, DisconnectReason reason, long packets, long bytes);
}
