using Castd.Daemon.Chat;
using Castd.Daemon.Web;

namespace Castd.Daemon.Http;

/// <summary>The HTTP surface on SERVER_HOST:SERVER_PORT (docs/http.md). Other methods on these routes get 405 from routing.</summary>
internal static class HttpEndpoints
{
    public static void MapCastdHttp(this IEndpointRouteBuilder app)
    {
        app.MapPost("/register", RegisterEndpoint.HandleAsync);
        app.MapGet("/usage/{userId}", UsageEndpoint.HandleAsync);
        app.MapGet("/healthz", HealthEndpoint.Handle);
        app.MapGet("/readyz", ReadyEndpoint.HandleAsync);
        app.MapGet("/channels", ChannelsEndpoint.Handle);
        app.MapStreaming();
        app.MapChat();
        app.MapWebContent();
    }
}
