using System.Globalization;
using System.Text;
using Castd.Storage.Embedded;

namespace Castd.Daemon.Hosting;

/// <summary>Every setting castd reads (docs/operating.md): compat names first, castd's own as CASTD_*. The single source of truth for <c>--help</c>.</summary>
internal static class Settings
{
    public static readonly Setting ServerHost = new("SERVER_HOST", "0.0.0.0", "HTTP listen address (register, usage, health).");
    public static readonly Setting ServerPort = new("SERVER_PORT", "8080", "HTTP listen port.");
    public static readonly Setting StreamHost = new("STREAM_HOST", "0.0.0.0", "Viewer stream listen address.");
    public static readonly Setting StreamPort = new("STREAM_PORT", "9111", "Viewer stream listen port.");
    public static readonly Setting RelayHost = new("CASTD_RELAY_HOST", "0.0.0.0", "Relay feed listen address (docs/relay.md).");
    public static readonly Setting RelayPort = new("CASTD_RELAY_PORT", "0", "Relay feed port: every connection gets all channels in order (CAST 0x02 frames) for a downstream castd; 0 = off.");
    public static readonly Setting SourceHost = new("CHANNEL_SOURCE_HOST", "localhost", "Channel source to dial.");
    public static readonly Setting SourcePort = new("CHANNEL_SOURCE_PORT", "9110", "Channel source port.");
    public static readonly Setting BatchSize = new("PACKET_BATCH_SIZE", "64", "Most packets handled per read batch; viewers are flushed once per batch.");
    public static readonly Setting DataDir = new("CASTD_DATA_DIR", "./castd-data", "RocksDB directory; $STATE_DIRECTORY wins when systemd sets it.");
    public static readonly Setting MaxPayload = new("CASTD_MAX_PAYLOAD_BYTES", "1048576", "Largest payload accepted from the source; a larger one drops the connection.");
    public static readonly Setting ReorderWindow = new("CASTD_REORDER_WINDOW", "1024", "Reorder ring slots per channel (power of two).");
    public static readonly Setting GapTimeout = new("CASTD_GAP_TIMEOUT_MS", "200", "How long a missing packet is waited for before it is skipped as lost.");
    public static readonly Setting StartupHold = new("CASTD_STARTUP_HOLD_MS", "", "Hold after a channel's first packet so earlier ones can go first (default: the gap timeout).");
    public static readonly Setting ReconnectMax = new("CASTD_SOURCE_RECONNECT_MAX_MS", "5000", "Cap of the exponential reconnect backoff to the source.");
    public static readonly Setting SourceStallTimeout = new("CASTD_SOURCE_STALL_TIMEOUT_MS", "2000", "A source frame begun and not finished this long drops the connection (redialled): one hung frame would stall every channel; 0 = wait forever.");
    public static readonly Setting ViewerBuffer = new("CASTD_VIEWER_BUFFER_BYTES", "1048576", "Outbound bytes a viewer may fall behind before it is disconnected as slow.");
    public static readonly Setting GopCacheBytes = new("CASTD_GOP_CACHE_BYTES", "8388608", "Fast-start cache per channel: MPEG-TS payloads since the latest keyframe, handed to a joining viewer first; 0 = off.");
    public static readonly Setting HandshakeTimeout = new("CASTD_HANDSHAKE_TIMEOUT_MS", "5000", "Time a stream connection has to send its request: a viewer's request line, a player's HTTP request head.");
    public static readonly Setting ViewerDeadPeer = new("CASTD_VIEWER_DEAD_PEER_MS", "15000", "A viewer whose peer acknowledges nothing this long is cut (TCP_USER_TIMEOUT, plus keepalive probes while its channel is silent): a half-open socket, the peer gone without FIN or RST, is found even on a channel that is not live; 0 = kernel defaults (about 15 min).");
    public static readonly Setting ViewerConnectsPerAddress = new("CASTD_VIEWER_CONNECTS_PER_ADDRESS", "20", "New stream connections one address (for IPv6, one /64 network) may open a second; the rest get ERR 429 at accept and are closed, before any other work (a connect storm); 0 = no limit.");
    public static readonly Setting ViewerConnects = new("CASTD_VIEWER_CONNECTS_PER_SECOND", "1000", "New stream connections all addresses together may open a second; the rest get ERR 503 at accept and are closed (a storm from many addresses); 0 = no limit.");
    public static readonly Setting ViewerConnectsExempt = new("CASTD_VIEWER_CONNECTS_EXEMPT", "", "Addresses or networks never held to the connect rates, comma-separated (e.g. a NAT gateway, 10.0.0.0/8).");
    public static readonly Setting LiveTimeout = new("CASTD_LIVE_TIMEOUT_MS", "1000", "A channel counts as live (for watch time) this long after its last packet.");
    public static readonly Setting UsageFlush = new("CASTD_USAGE_FLUSH_MS", "1000", "Interval of the batched usage writes; the most a crash can lose.");
    public static readonly Setting MaxStreams = new("CASTD_MAX_STREAMS_PER_USER", "3", "Concurrent sessions per account: stream viewers and HTTP sessions together.");
    public static readonly Setting Metrics = new("CASTD_METRICS", "true", "Serve Prometheus metrics at GET /metrics on the HTTP port.");
    public static readonly Setting ReadyWithoutSource = new("CASTD_READY_WITHOUT_SOURCE", "false", "Let /readyz answer 200 while the channel source is down.");
    public static readonly Setting LogLevel = new("CASTD_LOG_LEVEL", "Information", "Least severe log level: Trace, Debug, Information, Warning, Error, Critical.");
    public static readonly Setting LogFormat = new("CASTD_LOG_FORMAT", "", "json or text (default: text on a terminal, json otherwise, e.g. under systemd).");
    public static readonly Setting ChatOpen = new("CASTD_CHAT_OPEN", "false", "Let unregistered handles chat (load tests, open rooms).");
    public static readonly Setting ChatMaxConnections = new("CASTD_CHAT_MAX_CONNECTIONS_PER_USER", "3", "Live chat connections per handle; the next is refused.");
    public static readonly Setting ChatMaxMessage = new("CASTD_CHAT_MAX_MESSAGE_BYTES", "4096", "Largest chat message a client may send.");
    public static readonly Setting ChatMaxRooms = new("CASTD_CHAT_MAX_ROOMS", "16", "Rooms one chat connection may be in at once; joining one more is refused.");
    public static readonly Setting ChatMessagesPerSecond = new("CASTD_CHAT_MESSAGES_PER_SECOND", "50", "Messages one chat connection may send a second (bursts of as many); the rest are answered with an error and dropped.");
    public static readonly Setting AuthKeys = new("CASTD_AUTH_KEYS", "", "Token keys (docs/security.md): a file of 'kid alg key' lines (HS256 base64 secret, ES256 PEM path or base64 SPKI), re-read on SIGHUP; unset = open mode: no tokens asked for.");
    public static readonly Setting AdminToken = new("CASTD_ADMIN_TOKEN", "", "Bearer token that makes a request an operator's (register, anyone's usage and sessions, /metrics, the detailed /healthz).");
    public static readonly Setting AdminAllow = new("CASTD_ADMIN_ALLOW", "127.0.0.0/8,::1", "Addresses or networks whose requests are operators' without a token, comma-separated; setting it replaces the default.");
    public static readonly Setting AllowedOrigins = new("CASTD_ALLOWED_ORIGINS", "", "Web origins (https://example.com, comma-separated, or *) whose pages may use chat and /live; unset: any in open mode, the page's own host with keys.");
    public static readonly Setting RelaySecret = new("CASTD_RELAY_SECRET", "", "Relay secret: edges must open with the line 'RELAY <secret>'; a castd dialling its source sends it when set.");
    public static readonly Setting RelayAllow = new("CASTD_RELAY_ALLOW", "", "Addresses or networks the relay port takes edges from, comma-separated; unset = any.");
    public static readonly Setting TlsCert = new("CASTD_TLS_CERT", "", "PEM certificate (chain) that turns HTTPS and wss on for the HTTP port, re-read on SIGHUP; with CASTD_TLS_KEY.");
    public static readonly Setting TlsKey = new("CASTD_TLS_KEY", "", "PEM private key of CASTD_TLS_CERT.");
    public static readonly Setting TlsStreamPort = new("CASTD_TLS_STREAM_PORT", "0", "Port for TCP viewers over TLS (the certificate of CASTD_TLS_CERT), on STREAM_HOST; 0 = off.");
    public static readonly Setting HttpRequestsPerAddress = new("CASTD_HTTP_REQUESTS_PER_ADDRESS", "100", "HTTP requests one address (an IPv6 /64) may make a second, bursts of as many; the rest get 429; 0 = no limit. Operators' addresses are not limited.");
    public static readonly Setting Redis = new("CASTD_REDIS", "", "Fleet-wide state (docs/fleet.md): a StackExchange.Redis configuration string, e.g. 10.0.0.5:6379,10.0.0.6:6379 (standalone or cluster); unset = embedded RocksDB.");
    public static readonly Setting UsageBuffer = new("CASTD_USAGE_BUFFER_RECORDS", "1000000", "Most usage records (user, channel, minute) held in memory while the store is unreachable; past it new watch time is dropped and counted.");
    public static readonly Setting StoreWriteBuffer = new("CASTD_STORE_WRITE_BUFFER_BYTES", RocksDbStateStore.DefaultWriteBufferBytes.ToString(CultureInfo.InvariantCulture), "Embedded store: RocksDB memtable per column family, held in memory before a table file is written; each WAL file grows on disk in steps of 1.1× this.");
    public static readonly Setting SessionTtl = new("CASTD_SESSION_TTL", "10s", "An HTTP session without a heartbeat for this long expires (e.g. 10s, 1500ms).");

    public static IReadOnlyList<Setting> All { get; } =
    [
        ServerHost, ServerPort, StreamHost, StreamPort, RelayHost, RelayPort, SourceHost, SourcePort, BatchSize,
        DataDir, StoreWriteBuffer, Redis, MaxPayload, ReorderWindow, GapTimeout, StartupHold, ReconnectMax, SourceStallTimeout, ViewerBuffer, GopCacheBytes,
        HandshakeTimeout, ViewerDeadPeer, ViewerConnectsPerAddress, ViewerConnects, ViewerConnectsExempt, LiveTimeout, UsageFlush, UsageBuffer, MaxStreams, SessionTtl, Metrics, ReadyWithoutSource, LogLevel, LogFormat,
        ChatOpen, ChatMaxConnections, ChatMaxMessage, ChatMaxRooms, ChatMessagesPerSecond,
        AuthKeys, AdminToken, AdminAllow, AllowedOrigins, RelaySecret, RelayAllow, TlsCert, TlsKey, TlsStreamPort, HttpRequestsPerAddress,
    ];

    public static string HelpText()
    {
        var text = new StringBuilder();
        text.AppendLine("castd — live stream fan-out daemon. Configured by environment variables (docs/operating.md):");
        text.AppendLine();
        var width = All.Max(s => s.Name.Length);
        foreach (var setting in All)
        {
            var fallback = setting.Default.Length == 0 ? "" : $" [default: {setting.Default}]";
            text.AppendLine($"  {setting.Name.PadRight(width)}  {setting.Description}{fallback}");
        }
        text.AppendLine();
        text.AppendLine("Under systemd the unit reads /etc/castd/castd.conf as an environment file.");
        text.AppendLine($"{Doctor.Usage}: checks the kernel limits (open files, somaxconn, port range) against this configuration.");
        return text.ToString();
    }
}
