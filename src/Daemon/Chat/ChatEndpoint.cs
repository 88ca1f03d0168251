using System.Net.WebSockets;
using Castd.Daemon.Auth;
using Castd.Daemon.Web;
using Castd.Protocol;
using Microsoft.AspNetCore.Http.Features;

namespace Castd.Daemon.Chat;

/// <summary>
/// <c>ws://host:port/chat?user=&lt;handle&gt;</c>, and <c>/?user=</c> for old gochat clients (docs/chat.md). A plain GET (or
/// HEAD) of <c>/</c> shares the route, so it is answered here with the watch page.
/// </summary>
internal static class ChatEndpoint
{
    public static void MapChat(this IEndpointRouteBuilder app)
    {
        app.Map("/chat", HandleAsync);
        app.Map("/", HandleAsync);
    }

    private static async Task<IResult> HandleAsync(
        HttpContext context, ChatGate gate, ChatRouter router, ChatFrames frames, ChatCounters counters, ChatOptions options,
        TokenVerifier tokens, OriginPolicy origins, HttpAccess access, IHostApplicationLifetime lifetime)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return context.Request.Path == "/" && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
                ? WebContent.Serve(context, WebContent.PageName)
                : Results.BadRequest("expected a WebSocket upgrade: ws://host:port/chat?user=<handle>");
        }
        var handle = context.Request.Query["user"].ToString();
        if (!UserIds.IsValid(handle))
        {
            return Results.BadRequest("user: 1-64 characters of letters, digits, '.', '_', '-', '@'");
        }
        // Before the upgrade and before any storage lookup: a refused client gets an HTTP status, not a WebSocket.
        if (!origins.Allows(context.Request.Headers.Origin.ToString(), context.Request.Host.Value))
        {
            counters.CountRefused();
            return access.Refuse(context, AuthFailure.OriginNotAllowed);
        }
        if (await tokens.CheckAsync(HttpCredentials.Token(context.Request), handle, TokenScope.Chat) is not AuthFailure.None and var failure)
        {
            counters.CountRefused();
            return access.Refuse(context, failure, TokenScope.Chat);
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var transport = (context.Features.Get<IHttpUpgradeFeature>() as BatchingUpgradeFeature)?.Stream;
        var connection = new ChatConnection(socket, transport, handle, options);
        if (await gate.TryConnectAsync(connection) is { } refusal)
        {
            counters.CountRefused();
            await RefuseAsync(socket, frames.Error(refusal), refusal, context.RequestAborted);
            return Results.Empty;
        }
        try
        {
            await connection.RunAsync(router.OnMessageAsync, router.OnError, lifetime.ApplicationStopping);
        }
        finally
        {
            gate.Disconnect(connection);
        }
        return Results.Empty;
    }

    /// <summary>Says why in an error message, then closes with a policy-violation code (1008).</summary>
    private static async Task RefuseAsync(WebSocket socket, Protocol.Buffers.PacketBuffer error, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await socket.SendAsync(error.Raw.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, reason, cancellationToken);
        }
        catch (WebSocketException)
        {
        }
        finally
        {
            error.Release();
        }
    }
}
