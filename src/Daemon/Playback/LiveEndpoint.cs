using System.Text;
using Castd.Daemon.Auth;
using Castd.Daemon.Streams;
using Castd.Protocol.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Castd.Daemon.Playback;

/// <summary>
/// <c>GET /live/{channel}.ts?user=</c> when it reaches Kestrel: a request on a connection that began with another
/// one (a browser's keep-alive), which <see cref="LiveConnectionMiddleware"/> left to Kestrel. The same lifecycle as
/// every stream; only the transport differs (<see cref="ResponseStreamConnection"/>).
/// </summary>
internal static class LiveEndpoint
{
    public static void MapLivePlayback(this IEndpointRouteBuilder app) => app.MapGet("/live/{file}", HandleAsync);

    private static async Task HandleAsync(HttpContext context, StreamLifecycle lifecycle, PlayerProtocol protocol, OriginPolicy origins, IHostApplicationLifetime lifetime)
    {
        using var connection = new ResponseStreamConnection(context, origins.CorsOrigin(context.Request.Headers.Origin.ToString() is { Length: > 0 } origin ? origin : null));
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        // Kestrel chunks the response itself: castd writes plain payloads.
        var error = LiveRequestReader.TryParseTarget(Encoding.ASCII.GetBytes(target), chunked: false, out var request);
        if (error != LiveRequestError.None)
        {
            var (status, text) = LiveReply.Describe(error);
            await lifecycle.RefuseAsync(connection, protocol, new StreamRefusal(status, text));
            return;
        }
        await lifecycle.ServeAsync(connection, protocol, request, lifetime.ApplicationStopping);
    }
}
