using Castd.Daemon.Viewers;

namespace Castd.Daemon.Relay;

/// <summary>Relay connections ended, by reason (a slow edge is cut as <see cref="DisconnectReason.Slow"/>), for /healthz and /metrics.</summary>
internal sealed class RelayCounters : DisconnectCounts;
