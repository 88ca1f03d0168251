using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Castd.Daemon.Auth;
using Castd.Daemon.Channels;
using Castd.Daemon.Chat;
using Castd.Daemon.Ingest;
using Castd.Daemon.Sessions;
using Castd.Daemon.Streams;
using Castd.Daemon.Usage;
using Castd.Daemon.Viewers;
using Castd.Protocol.Reorder;

namespace Castd.Daemon.Hosting;

/// <summary>
/// castd's settings, read once from the environment at start (see <see cref="Settings"/>): the listeners, storage and
/// logging here, and one nested options object per area, which that area alone is given (as Kestrel's
/// <c>KestrelServerOptions.Limits</c>), so no feature depends on Hosting.
/// </summary>
internal sealed class CastdOptions
{
    public required string ServerHost { get; init; }
    public required int ServerPort { get; init; }
    public required string StreamHost { get; init; }
    public required int StreamPort { get; init; }
    public required string RelayHost { get; init; }
    /// <summary>0: no relay feed.</summary>
    public required int RelayPort { get; init; }
    public required string DataDirectory { get; init; }
    public required int StoreWriteBufferBytes { get; init; }
    /// <summary>Empty: the embedded store.</summary>
    public required string Redis { get; init; }
    public required bool MetricsEnabled { get; init; }
    /// <summary>PEM certificate and key for HTTPS and wss; both empty: plain HTTP.</summary>
    public required string TlsCertPath { get; init; }
    public required string TlsKeyPath { get; init; }
    /// <summary>TCP viewers over TLS on STREAM_HOST; 0: off.</summary>
    public required int TlsStreamPort { get; init; }
    /// <summary>HTTP requests a second from one address (an IPv6 /64); 0: no limit.</summary>
    public required int HttpRequestsPerAddress { get; init; }
    public required LogLevel LogLevel { get; init; }
    /// <summary>True for one JSON object per line, false for text.</summary>
    public required bool JsonLogs { get; init; }

    public required IngestOptions Ingest { get; init; }
    public required ChannelOptions Channels { get; init; }
    public required StreamOptions Streams { get; init; }
    public required ViewerConnectOptions ViewerConnects { get; init; }
    public required SessionLimitOptions Sessions { get; init; }
    public required UsageOptions Usage { get; init; }
    public required ChatOptions Chat { get; init; }
    public required AuthOptions Auth { get; init; }

    /// <summary>Reads the settings; throws <see cref="FormatException"/> naming the variable at fault.</summary>
    public static CastdOptions FromEnvironment(Func<string, string?> read)
    {
        string Text(Setting s) => read(s.Name) is { Length: > 0 } v ? v : s.Default;

        int Int(Setting s, int min, int max)
        {
            var text = Text(s);
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                throw new FormatException($"{s.Name}={text}: expected a whole number from {min} to {max}.");
            }
            return value;
        }

        TimeSpan Millis(Setting s, int min, int max) => TimeSpan.FromMilliseconds(Int(s, min, max));

        bool Bool(Setting s) => Text(s).ToLowerInvariant() switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            var other => throw new FormatException($"{s.Name}={other}: expected true or false."),
        };

        // "10s", "1500ms" or plain seconds.
        TimeSpan Duration(Setting s, TimeSpan min, TimeSpan max)
        {
            var text = Text(s);
            var (number, scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 1.0)
                : text.EndsWith('s') ? (text[..^1], 1000.0) : (text, 1000.0);
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                || TimeSpan.FromMilliseconds(value * scale) is var span && (span < min || span > max))
            {
                throw new FormatException($"{s.Name}={text}: expected a duration from {min.TotalSeconds:0.###}s to {max.TotalSeconds:0}s, e.g. 10s or 1500ms.");
            }
            return span;
        }

        // "10.0.0.0/8, 192.0.2.7": a bare address is a network of one.
        IPNetwork[] Networks(Setting s) => [.. Text(s).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(part =>
            IPNetwork.TryParse(part, out var network) ? network
            : IPAddress.TryParse(part, out var address) ? new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
            : throw new FormatException($"{s.Name}: {part} is not an address or a network such as 10.0.0.0/8."))];

        if (Text(Settings.TlsCert).Length > 0 != Text(Settings.TlsKey).Length > 0)
        {
            throw new FormatException($"{Settings.TlsCert.Name} and {Settings.TlsKey.Name} go together: set both or neither.");
        }
        var window = Int(Settings.ReorderWindow, 2, 1 << 20);
        if (!int.IsPow2(window))
        {
            throw new FormatException($"{Settings.ReorderWindow.Name}={window}: must be a power of two.");
        }
        var gap = Millis(Settings.GapTimeout, 1, 60_000);
        var hold = Text(Settings.StartupHold).Length == 0 ? gap : Millis(Settings.StartupHold, 0, 60_000);

        return new CastdOptions
        {
            ServerHost = Text(Settings.ServerHost),
            ServerPort = Int(Settings.ServerPort, 0, 65535),
            StreamHost = Text(Settings.StreamHost),
            StreamPort = Int(Settings.StreamPort, 0, 65535),
            RelayHost = Text(Settings.RelayHost),
            RelayPort = Int(Settings.RelayPort, 0, 65535),
            DataDirectory = read("STATE_DIRECTORY") is { Length: > 0 } state ? state.Split(':')[0] : Text(Settings.DataDir),
            StoreWriteBufferBytes = Int(Settings.StoreWriteBuffer, 64 << 10, 1 << 30),
            Redis = Text(Settings.Redis),
            MetricsEnabled = Bool(Settings.Metrics),
            TlsCertPath = Text(Settings.TlsCert),
            TlsKeyPath = Text(Settings.TlsKey),
            TlsStreamPort = Int(Settings.TlsStreamPort, 0, 65535),
            HttpRequestsPerAddress = Int(Settings.HttpRequestsPerAddress, 0, 1_000_000),
            Ingest = new IngestOptions
            {
                SourceHost = Text(Settings.SourceHost),
                SourcePort = Int(Settings.SourcePort, 1, 65535),
                BatchSize = Int(Settings.BatchSize, 1, 65536),
                MaxPayloadBytes = Int(Settings.MaxPayload, 1, 64 << 20),
                ReconnectMax = Millis(Settings.ReconnectMax, 10, 600_000),
                StallTimeout = Millis(Settings.SourceStallTimeout, 0, 600_000),
                ReadyWithoutSource = Bool(Settings.ReadyWithoutSource),
                RelaySecret = Text(Settings.RelaySecret),
            },
            Channels = new ChannelOptions
            {
                Reorder = new ReorderOptions(window, gap, hold),
                GopCacheBytes = Int(Settings.GopCacheBytes, 0, 1 << 30),
                LiveTimeout = Millis(Settings.LiveTimeout, 10, 600_000),
            },
            Streams = new StreamOptions
            {
                BufferBytes = Int(Settings.ViewerBuffer, 4096, 1 << 30),
                HandshakeTimeout = Millis(Settings.HandshakeTimeout, 10, 600_000),
                DeadPeerTimeout = Millis(Settings.ViewerDeadPeer, 0, 3_600_000),
            },
            ViewerConnects = new ViewerConnectOptions
            {
                PerAddress = Int(Settings.ViewerConnectsPerAddress, 0, 1_000_000),
                PerSecond = Int(Settings.ViewerConnects, 0, 10_000_000),
                Exempt = Networks(Settings.ViewerConnectsExempt),
            },
            Sessions = new SessionLimitOptions
            {
                MaxStreamsPerUser = Int(Settings.MaxStreams, 1, 1_000_000),
                Ttl = Duration(Settings.SessionTtl, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1)),
            },
            Usage = new UsageOptions
            {
                FlushInterval = Millis(Settings.UsageFlush, 10, 600_000),
                BufferRecords = Int(Settings.UsageBuffer, 1, 100_000_000),
            },
            Chat = new ChatOptions
            {
                Open = Bool(Settings.ChatOpen),
                MaxConnectionsPerUser = Int(Settings.ChatMaxConnections, 1, 10_000),
                MaxMessageBytes = Int(Settings.ChatMaxMessage, 16, 1 << 20),
                MaxRooms = Int(Settings.ChatMaxRooms, 1, 100_000),
                MessagesPerSecond = Int(Settings.ChatMessagesPerSecond, 0, 1_000_000),
            },
            Auth = new AuthOptions
            {
                KeysPath = Text(Settings.AuthKeys),
                AdminToken = Text(Settings.AdminToken),
                AdminAllow = Networks(Settings.AdminAllow),
                AllowedOrigins = Text(Settings.AllowedOrigins).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                RelaySecret = Text(Settings.RelaySecret),
                RelayAllow = Networks(Settings.RelayAllow),
            },
            LogLevel = Enum.TryParse<LogLevel>(Text(Settings.LogLevel), ignoreCase: true, out var level) && Enum.IsDefined(level)
                ? level
                : throw new FormatException($"{Settings.LogLevel.Name}={Text(Settings.LogLevel)}: expected Trace, Debug, Information, Warning, Error or Critical."),
            JsonLogs = Text(Settings.LogFormat).ToLowerInvariant() switch
            {
                "" => Console.IsOutputRedirected,
                "json" => true,
                "text" => false,
                var other => throw new FormatException($"{Settings.LogFormat.Name}={other}: expected json or text."),
            },
        };
    }
}
