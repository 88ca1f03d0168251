using System.Diagnostics.Metrics;
using Castd.Daemon.Auth;
using Castd.Daemon.Channels;
using Castd.Daemon.Chat;
using Castd.Daemon.Ingest;
using Castd.Daemon.Streams;
using Castd.Daemon.Usage;
using Castd.Storage.Sessions;

namespace Castd.Daemon.Diagnostics;

/// <summary>
/// castd's instruments (meter "Castd"), exported at /metrics. Almost all are observable: they read counters the data
/// plane keeps anyway, at scrape time, so metrics add nothing to the hot path. The few recorded ones (delivery
/// latency, usage flushes) are recorded once per send batch or flush, never per packet. Only channels are labels,
/// never users (cardinality).
/// </summary>
/// <remarks>Names follow OpenTelemetry conventions; the Prometheus exporter turns <c>castd.ingest.packets</c> into
/// <c>castd_ingest_packets_total</c> and unit <c>s</c> / <c>By</c> into <c>_seconds</c> / <c>_bytes</c>.</remarks>
internal sealed class CastdMetrics : IDisposable
{
    public const string MeterName = "Castd";

    // Finer from 10 to 25 ms and from 100 to 500 ms, where a fan-out p99 sits on an idle and on a loaded machine: a 2x
    // change there must show as more than one bucket (10 → 25 ms in one bucket read as anything between, run P).
    private static readonly double[] LatencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 1, 2.5, 5];
    private static readonly double[] FlushBuckets = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1];

    private readonly Meter _meter = new(MeterName);
    private readonly Histogram<double> _deliveryLatency;
    private readonly Histogram<double> _flushDuration;
    private readonly Histogram<int> _flushRecords;
    private readonly Counter<long> _flushFailures;

    public CastdMetrics(ChannelRegistry channels, IngestCounters ingest, DeliveryCounters delivery, StreamCounters streams, ISessionStore sessions, ChatCounters chat, UsageLedger usage, AuthCounters auth)
    {
        _meter.CreateObservableGauge("castd.source.connected", () => ingest.Connected ? 1 : 0, description: "1 while castd is connected to its channel source");
        _meter.CreateObservableCounter("castd.source.reconnects", () => ingest.Reconnects, description: "Redials of the channel source");
        _meter.CreateObservableCounter("castd.source.protocol_errors", () => ingest.ProtocolErrors, description: "Source connections dropped for a protocol error");

        PerChannel("castd.ingest.packets", c => c.PacketsIn, null, "Packets received from the source");
        PerChannel("castd.ingest", c => c.BytesIn, "By", "Payload bytes received from the source");
        PerChannel("castd.reorder.released", c => c.Ring.Counters.Released, null, "Packets released in order");
        PerChannel("castd.reorder.duplicates", c => c.Ring.Counters.Duplicates, null, "Duplicate packets dropped");
        PerChannel("castd.reorder.late", c => c.Ring.Counters.Late, null, "Packets older than the delivery point, dropped");
        PerChannel("castd.reorder.lost", c => c.Ring.Counters.Lost, null, "Sequence numbers skipped as lost (gap timeout or window overflow)");
        PerChannel("castd.reorder.restarts", c => c.Ring.Counters.Restarts, null, "Sequence restarts of the source");
        _meter.CreateObservableGauge("castd.reorder.depth", () => channels.All.Select(c => new Measurement<int>(c.Ring.Held, Tag(c))), description: "Packets held waiting for an earlier one");
        _meter.CreateObservableGauge("castd.viewers", () => channels.All.Select(c => new Measurement<int>(c.ViewerCount, Tag(c))), description: "Connected viewers");

        _meter.CreateObservableCounter("castd.delivered.packets", () => delivery.Packets, description: "Packets written to viewers (one per viewer per packet)");
        _meter.CreateObservableCounter("castd.delivered", () => delivery.Bytes, "By", "Bytes written to viewers");
        _meter.CreateObservableCounter("castd.viewer.disconnects", () => streams.Viewers.Disconnects.Select(d => new Measurement<long>(d.Value, new KeyValuePair<string, object?>("reason", d.Key.ToLowerInvariant()))), description: "Viewer streams ended, by reason");
        _meter.CreateObservableCounter("castd.viewer.rejections", () => streams.Refusals.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("code", r.Key))), description: "Viewers refused at the handshake, by ERR code");

        _meter.CreateObservableGauge("castd.faststart.cached", () => channels.All.Select(c => new Measurement<long>(c.Gop?.Bytes ?? 0, Tag(c))), "By", "Bytes in the channel's fast-start cache (its latest group of pictures)");
        PerChannel("castd.faststart.groups", c => c.Gop?.Groups ?? 0, null, "Groups of pictures the fast-start cache started");
        PerChannel("castd.faststart.overflows", c => c.Gop?.Overflows ?? 0, null, "Groups dropped from the fast-start cache for outgrowing CASTD_GOP_CACHE_BYTES");
        PerChannel("castd.faststart.foreign_payloads", c => c.Gop?.ForeignPayloads ?? 0, null, "Payloads that were not MPEG-TS (no fast start for them)");
        _meter.CreateObservableCounter("castd.http_playback.streams", () => streams.HttpPlaybacks, description: "HTTP playback streams started (GET /live/...)");
        _meter.CreateObservableGauge("castd.relay.connections", () => channels.RelayCount, description: "Downstream castd connected to the relay feed");
        _meter.CreateObservableCounter("castd.relay.disconnects", () => streams.Relays.Disconnects.Select(d => new Measurement<long>(d.Value, new KeyValuePair<string, object?>("reason", d.Key.ToLowerInvariant()))), description: "Relay connections ended, by reason");
        _meter.CreateObservableGauge("castd.sessions.active", sessions.CountActive, description: "Active sessions, stream viewers and HTTP together");
        _meter.CreateObservableCounter("castd.sessions.dropped", () => sessions.DroppedTotal, description: "Sessions refused by the per-account limit");

        _meter.CreateObservableGauge("castd.usage.buffered", () => usage.Buffered, description: "Usage records (user, channel, minute) waiting for the store");
        _meter.CreateObservableCounter("castd.usage.dropped", () => usage.DroppedMilliseconds / 1000.0, "s", "Watch time dropped because the usage buffer was full while the store was unreachable");
        _flushFailures = _meter.CreateCounter<long>("castd.usage.flush.failures", description: "Usage batches the store did not take (retried)");

        _meter.CreateObservableCounter("castd.auth.refusals", () => auth.Refusals.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("reason", r.Key))), description: "Credentials refused, by reason (tokens, operators, relay edges, origins)");

        _meter.CreateObservableGauge("castd.chat.connections", () => chat.Connections, description: "Live chat WebSocket connections");
        _meter.CreateObservableCounter("castd.chat.delivered", () => chat.Delivered, description: "Chat messages handed to a receiving connection");
        _meter.CreateObservableCounter("castd.chat.refused", () => chat.Refused, description: "Chat connections refused (unregistered, over the per-user limit)");
        _meter.CreateObservableCounter("castd.chat.rejected", () => chat.Rejected, description: "Client chat messages answered with an error");
        _meter.CreateObservableCounter("castd.chat.cut_slow", () => chat.CutSlow, description: "Chat connections cut for not reading");

        _deliveryLatency = _meter.CreateHistogram("castd.delivery.latency", "s", "From receiving a packet to finishing its send to a viewer (oldest packet of each send)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _flushDuration = _meter.CreateHistogram("castd.usage.flush.duration", "s", "Time to write one usage batch",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FlushBuckets });
        _flushRecords = _meter.CreateHistogram<int>("castd.usage.flush.records", description: "Usage records per batch");

        void PerChannel(string name, Func<Channel, long> read, string? unit, string description) =>
            _meter.CreateObservableCounter(name, () => channels.All.Select(c => new Measurement<long>(read(c), Tag(c))), unit, description);
    }

    public void RecordDeliveryLatency(TimeSpan latency) => _deliveryLatency.Record(latency.TotalSeconds);

    public void RecordUsageFlush(TimeSpan duration, int records)
    {
        _flushDuration.Record(duration.TotalSeconds);
        _flushRecords.Record(records);
    }

    public void CountUsageFlushFailure() => _flushFailures.Add(1);

    public void Dispose() => _meter.Dispose();

    private static KeyValuePair<string, object?> Tag(Channel channel) => new("channel", channel.Name);
}
