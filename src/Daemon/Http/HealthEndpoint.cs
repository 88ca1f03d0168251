using Castd.Daemon.Auth;
using Castd.Daemon.Channels;
using Castd.Daemon.Ingest;
using Castd.Daemon.Streams;
using Castd.Daemon.Usage;
using Castd.Storage;

namespace Castd.Daemon.Http;

/// <summary><c>GET /healthz</c>: liveness for anyone (<c>{"status":"ok"}</c>), and for an operator a short summary to read
/// with curl; <c>status</c> is <c>degraded</c> while the state store has a problem.</summary>
internal static class HealthEndpoint
{
    public static IResult Handle(
        HttpContext context, OperatorAccess operators, TokenVerifier tokens, AuthCounters auth,
        IngestCounters ingest, ChannelRegistry channels, ViewerDirectory viewers, StreamCounters streams, UsageLedger usage, IStateBackend backend)
    {
        // Still alive (200, nothing to restart for) but not all well: writes are failing and being retried.
        var status = backend.Problem is null ? "ok" : "degraded";
        if (!operators.IsOperator(context))
        {
            return Results.Json(new LivenessResponse(status), CastdJsonContext.Default.LivenessResponse);
        }
        return Results.Json(
            new HealthResponse(
                status,
                ingest.Connected,
                ingest.Reconnects,
                ingest.ProtocolErrors,
                viewers.Count,
                channels.All.OrderBy(c => c.Name, StringComparer.Ordinal).Select(ChannelHealth.Of).ToList(),
                streams.Viewers.Disconnects,
                streams.Refusals,
                streams.HttpPlaybacks,
                channels.RelayCount,
                streams.Relays.Disconnects,
                new UsageHealth(usage.Buffered, usage.DroppedMilliseconds, backend.Problem),
                tokens.Enabled ? "tokens" : "open",
                auth.Refusals),
            CastdJsonContext.Default.HealthResponse);
    }
}
