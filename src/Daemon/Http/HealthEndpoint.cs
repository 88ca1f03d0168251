using Castd.Daemon.Channels;
using Castd.Daemon.Ingest;
using Castd.Daemon.Streams;
using Castd.Daemon.Usage;
using Castd.Storage;

namespace Castd.Daemon.Http;

/// <summary><c>GET /healthz</c>: liveness with a short summary an operator can read with curl; <c>status</c> is
/// <c>degraded</c> while the state store has a problem.</summary>
internal static class HealthEndpoint
{
    public static IResult Handle(IngestCounters ingest, ChannelRegistry channels, ViewerDirectory viewers, StreamCounters streams, UsageLedger usage, IStateBackend backend) =>
        Results.Json(
            new HealthResponse(
                // Still alive (200, nothing to restart for) but not all well: writes are failing and being retried.
                backend.Problem is null ? "ok" : "degraded",
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
                new UsageHealth(usage.Buffered, usage.DroppedMilliseconds, backend.Problem)),
            CastdJsonContext.Default.HealthResponse);
}
