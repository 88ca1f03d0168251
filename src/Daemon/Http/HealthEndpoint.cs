using Castd.Daemon.Channels;
using Castd.Daemon.Ingest;
using Castd.Daemon.Relay;
using Castd.Daemon.Usage;
using Castd.Daemon.Viewers;
using Castd.Storage;

namespace Castd.Daemon.Http;

/// <summary><c>GET /healthz</c>: liveness with a short summary an operator can read with curl.</summary>
internal static class HealthEndpoint
{
    public static IResult Handle(IngestCounters ingest, ChannelRegistry channels, ViewerDirectory viewers, ViewerCounters viewerCounters, RelayCounters relays, UsageLedger usage, IStateBackend backend) =>
        Results.Json(
            new HealthResponse(
                "ok",
                ingest.Connected,
                ingest.Reconnects,
                ingest.ProtocolErrors,
                viewers.Count,
                channels.All.OrderBy(c => c.Name, StringComparer.Ordinal).Select(ChannelHealth.Of).ToList(),
                viewerCounters.Disconnects,
                viewerCounters.Refusals,
                viewerCounters.HttpPlaybacks,
                channels.RelayCount,
                relays.Disconnects,
                new UsageHealth(usage.Buffered, usage.DroppedMilliseconds, backend.Problem)),
            CastdJsonContext.Default.HealthResponse);
}
