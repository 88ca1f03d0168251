using System.Text;
using Castd.Daemon.Viewers;
using Castd.Protocol.Http;
using Castd.Protocol.Viewers;
using Microsoft.AspNetCore.Http.Features;

namespace Castd.Daemon.Playback;

/// <summary>
/// <c>GET /live/{channel}.ts?user=</c> when it reaches Kestrel: a request on a connection that began with another
/// one (a browser's keep-alive), which <see cref="LiveConnectionMiddleware"/> left to Kestrel. Same checks, same
/// statuses and the same fan-out; only the last step differs, through the response pipe (one copy a viewer).
/// </summary>
internal static class LiveEndpoint
{
    public static void MapLivePlayback(this IEndpointRouteBuilder app) => app.MapGet("/live/{file}", HandleAsync);

    private static async Task HandleAsync(HttpContext context, ViewerServices services, IHostApplicationLifetime lifetime)
    {
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var error = LiveRequestReader.TryParseTarget(Encoding.ASCII.GetBytes(target), chunked: true, out var request);
        if (error != LiveRequestError.None)
        {
            var (status, text) = LiveReply.Describe(error);
            await RefuseAsync(context, services, status, text);
            return;
        }
        var (session, refusal, reason) = await ViewerAdmission.AdmitAsync(services, request.UserId, request.Channel);
        if (session is null)
        {
            await RefuseAsync(context, services, refusal, reason);
            return;
        }
        context.Response.ContentType = "video/mp2t";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.AccessControlAllowOrigin = "*";
        using var transport = new ResponseViewerTransport(context);
        try
        {
            await context.Response.StartAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            services.Sessions.CloseStream(session);
            return;
        }
        services.Counters.CountHttpPlayback();
        var viewer = new ViewerRequest(request.UserId, request.Channel, Framed: false, FastStart: services.Options.GopCacheBytes > 0);
        await ViewerWatch.RunAsync(services, session, viewer, WireFormat.Raw, transport, context.Connection.RemoteIpAddress?.ToString(), lifetime.ApplicationStopping);
    }

    private static Task RefuseAsync(HttpContext context, ViewerServices services, int status, string text)
    {
        services.Counters.CountRefusal(status);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text + "\n");
    }
}
