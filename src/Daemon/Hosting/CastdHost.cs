using Castd.Daemon.Auth;
using Castd.Daemon.Channels;
using Castd.Daemon.Chat;
using Castd.Daemon.Diagnostics;
using Castd.Daemon.Http;
using Castd.Daemon.Ingest;
using Castd.Daemon.Playback;
using Castd.Daemon.Relay;
using Castd.Daemon.Sessions;
using Castd.Daemon.Streams;
using Castd.Daemon.Usage;
using Castd.Daemon.Viewers;
using Castd.Protocol.Buffers;
using Castd.Storage;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting.Systemd;
using OpenTelemetry.Metrics;

namespace Castd.Daemon.Hosting;

/// <summary>Wires castd together: both listeners, the ingest loop, usage accounting and the HTTP endpoints.</summary>
internal static class CastdHost
{
    /// <summary>
    /// Thousands of viewers reconnect at once after a network blip; Kestrel's default backlog of 512 overflowed at ~15k
    /// connects/s here. The kernel still caps it at net.core.somaxconn (4096 on Debian 12; castd doctor checks it).
    /// </summary>
    internal const int ListenBacklog = 4096;

    /// <param name="passedSockets">Listening sockets from systemd socket activation; null to bind the configured ports.</param>
    /// <param name="time">Every clock castd reads (packet times, watch time, timers): the system's, or a test's.</param>
    /// <param name="tokens">The token keys, loaded (or open mode) before the host is built, so a bad key file stops the start.</param>
    /// <param name="certificates">Likewise the TLS certificate, if any.</param>
    public static WebApplication Build(
        string[] args, CastdOptions options, (ulong Http, ulong Stream)? passedSockets, IStateBackend backend, TimeProvider time,
        TokenVerifier tokens, TlsCertificates certificates)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Services.AddSystemd();
        ConfigureLogging(builder.Logging, options);
        builder.WebHost.UseSockets(sockets => sockets.Backlog = ListenBacklog);
        // The stream port's endpoints get castd's own accept loop (ViewerListener), which turns a connect storm away first.
        var streamEndPoints = new StreamEndPoints();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            Action<ListenOptions> viewers = listen =>
            {
                streamEndPoints.Add(listen.EndPoint);
                listen.UseConnectionHandler<ViewerConnectionHandler>();
            };
            // Plain: players' connections (GET /live/…) are taken over before HTTP parsing, so their stream skips Kestrel's
            // pipe. TLS: every request goes through Kestrel, /live included (the encrypted stream is written per viewer);
            // HTTP/1.1 only, which chat's batched WebSocket upgrade and every player speak.
            Action<ListenOptions> http = certificates.Enabled
                ? listen => listen.UseCastdHttps(certificates)
                : listen => listen.UseLivePlayback();
            if (passedSockets is var (httpSocket, streamSocket))
            {
                kestrel.ListenHandle(httpSocket, http);
                kestrel.ListenHandle(streamSocket, viewers);
            }
            else
            {
                kestrel.Listen(options.ServerHost, options.ServerPort, http);
                kestrel.Listen(options.StreamHost, options.StreamPort, viewers);
            }
            if (options.TlsStreamPort != 0 && certificates.Enabled)
            {
                // Kestrel's own accept loop: the stream port's connect rates do not apply here.
                kestrel.Listen(options.StreamHost, options.TlsStreamPort, listen =>
                {
                    listen.UseCastdHttps(certificates);
                    listen.UseConnectionHandler<ViewerConnectionHandler>();
                });
            }
            // The relay port is bound by castd itself even under socket activation: edges redial anyway.
            if (options.RelayPort != 0)
            {
                kestrel.Listen(options.RelayHost, options.RelayPort, listen => listen.UseConnectionHandler<RelayConnectionHandler>());
            }
        });

        var services = builder.Services;
        // Each area gets its own options, never CastdOptions: no feature depends on Hosting.
        services.AddSingleton(options.Ingest);
        services.AddSingleton(options.Channels);
        services.AddSingleton(options.Streams);
        services.AddSingleton(options.ViewerConnects);
        services.AddSingleton(options.Sessions);
        services.AddSingleton(options.Usage);
        services.AddSingleton(options.Chat);
        services.AddSingleton(options.Auth);
        services.AddSingleton(tokens);
        services.AddSingleton(certificates);
        services.AddSingleton<AuthCounters>();
        services.AddSingleton<OperatorAccess>();
        services.AddSingleton<HttpAccess>();
        services.AddSingleton<OriginPolicy>();
        services.AddHostedService<AuthReloadService>();
        services.AddHttpRateLimits(options.HttpRequestsPerAddress);
        services.AddSingleton(streamEndPoints);
        services.AddSingleton<ViewerConnectRate>();
        // After UseSockets' factory: Kestrel asks the last one registered first, and it binds only the stream endpoints.
        services.AddSingleton<IConnectionListenerFactory, ViewerListenerFactory>();
        // The backend is the one place that knows RocksDB from Redis; everything else asks for its parts.
        services.AddSingleton(backend);
        services.AddSingleton(backend.State);
        services.AddSingleton(backend.Sessions);
        services.AddSingleton(backend.Chat);
        services.AddSingleton(time);
        services.AddSingleton<PacketBufferPool>();
        services.AddSingleton<ChannelRegistry>();
        services.AddSingleton<IngestCounters>();
        // From a factory, so the container owns it: its threads are stopped at shutdown, after the ingest has stopped.
        services.AddSingleton(_ => new DeliveryThreads());
        services.AddSingleton<IngestPump>();
        services.AddSingleton<UsageLedger>();
        services.AddSingleton<ViewerDirectory>();
        services.AddSingleton<UsageReport>();
        services.AddSingleton<StreamCounters>();
        services.AddSingleton<DeliveryCounters>();
        services.AddSingleton<CastdMetrics>();
        services.AddSingleton<StreamLifecycle>();
        services.AddSingleton<ViewerGate>();
        services.AddSingleton<ViewerProtocol>();
        services.AddSingleton<PlayerProtocol>();
        services.AddSingleton<RelayProtocol>();
        services.AddSingleton<ChatCounters>();
        services.AddSingleton<ChatFrames>();
        services.AddSingleton<ChatRoster>();
        services.AddSingleton<ChatGate>();
        services.AddSingleton<ChatRouter>();
        services.AddHostedService<SourceClient>();
        services.AddHostedService<SessionSweepService>();
        services.AddHostedService<UsageFlushService>();
        if (SystemdHelpers.IsSystemdService())
        {
            services.AddHostedService<WatchdogService>();
        }

        if (options.MetricsEnabled)
        {
            // "System.Runtime" is .NET's own meter (GC pauses and counts, heap sizes, thread pool, working set): what a
            // soak or an operator watches for leaks, with no extra package.
            services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(CastdMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
                // Prometheus reserves the _count suffix for histograms and summaries (promtool rejects these three):
                // a constant is dropped, the two a leak would show in keep their value under another name.
                .AddView("dotnet.process.cpu.count", MetricStreamConfiguration.Drop)
                .AddView("dotnet.timer.count", new MetricStreamConfiguration { Name = "dotnet.timers" })
                .AddView("dotnet.assembly.count", new MetricStreamConfiguration { Name = "dotnet.assemblies" })
                .AddPrometheusExporter());
        }

        var app = builder.Build();
        // Built eagerly so its observable instruments exist before the first scrape.
        app.Services.GetRequiredService<CastdMetrics>();
        // Before the first fleet frame: it registers itself as the bus's listener.
        app.Services.GetRequiredService<ChatRouter>();
        app.UseRateLimiter();
        BatchingUpgradeFeature.Use(app);
        app.UseWebSockets();
        app.MapCastdHttp();
        app.MapLivePlayback();
        if (options.MetricsEnabled)
        {
            app.MapPrometheusScrapingEndpoint("/metrics").AddEndpointFilter(static (context, next) =>
                context.HttpContext.RequestServices.GetRequiredService<HttpAccess>().RequireOperator(context.HttpContext) is { } refused
                    ? ValueTask.FromResult<object?>(refused)
                    : next(context));
        }
        return app;
    }

    /// <summary>
    /// One JSON object per line when not on a terminal (journald keeps each line whole), readable text on one. Set
    /// after AddSystemd, whose own formatter would otherwise win under systemd.
    /// </summary>
    private static void ConfigureLogging(ILoggingBuilder logging, CastdOptions options)
    {
        logging.ClearProviders();
        if (options.JsonLogs)
        {
            logging.AddJsonConsole(json =>
            {
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(text => text.SingleLine = true);
        }
        logging.SetMinimumLevel(options.LogLevel);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
    }
}
