using Castd.Daemon.Channels;
using Castd.Daemon.Http;
using Castd.Daemon.Ingest;
using Castd.Daemon.Sessions;
using Castd.Daemon.Usage;
using Castd.Daemon.Viewers;
using Castd.Protocol.Buffers;
using Castd.Storage;
using Castd.Storage.Sessions;
using Microsoft.AspNetCore.Connections;

namespace Castd.Daemon.Hosting;

/// <summary>Wires castd together: both listeners, the ingest loop, usage accounting and the HTTP endpoints.</summary>
internal static class CastdHost
{
    public static WebApplication Build(string[] args, CastdOptions options, IStateStore store)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Services.AddSystemd();
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Thousands of viewers reconnect at once after a network blip; Kestrel's default backlog of 512 overflowed
        // at ~15k connects/s here. The kernel still caps it at net.core.somaxconn (4096 on Debian 12).
        builder.WebHost.UseSockets(sockets => sockets.Backlog = 4096);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.ServerHost, options.ServerPort, _ => { });
            kestrel.Listen(options.StreamHost, options.StreamPort, listen => listen.UseConnectionHandler<ViewerConnectionHandler>());
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(store);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<PacketBufferPool>();
        services.AddSingleton<ChannelRegistry>();
        services.AddSingleton<IngestCounters>();
        services.AddSingleton<IngestPump>();
        services.AddSingleton<UsageLedger>();
        services.AddSingleton<ViewerDirectory>();
        services.AddSingleton<UsageReport>();
        services.AddSingleton<ViewerCounters>();
        services.AddSingleton<ViewerServices>();
        services.AddSingleton<ISessionStore>(sp => new InMemorySessionStore(options.MaxStreamsPerUser, options.SessionTtl, sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<SourceClient>();
        services.AddHostedService<SessionSweepService>();
        services.AddHostedService<UsageFlushService>();

        var app = builder.Build();
        app.MapCastdHttp();
        return app;
    }
}
