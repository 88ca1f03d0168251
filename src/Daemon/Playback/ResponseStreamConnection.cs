using System.Net;
using Castd.Daemon.Streams;
using Microsoft.AspNetCore.Connections.Features;

namespace Castd.Daemon.Playback;

/// <summary>
/// A player's request that Kestrel parsed (a browser reusing a keep-alive connection for its player): the stream is
/// written through the response, one copy a viewer, the price of sharing the connection; it ends with the request.
/// </summary>
/// <param name="corsOrigin">The <c>Access-Control-Allow-Origin</c> of the response (see <see cref="Auth.OriginPolicy"/>); null for none.</param>
internal sealed class ResponseStreamConnection(HttpContext context, string? corsOrigin) : StreamConnection, IDisposable
{
    private readonly CancellationTokenSource _interrupt = new();
    private PipePacketSender? _sender;

    public override EndPoint? Remote => context.Connection.RemoteIpAddress is { } address ? new IPEndPoint(address, context.Connection.RemotePort) : null;

    public override async ValueTask RefuseAsync(ReadOnlyMemory<byte> wire, StreamRefusal refusal)
    {
        context.Response.StatusCode = refusal.Code;
        context.Response.ContentType = "text/plain; charset=utf-8";
        try
        {
            await context.Response.WriteAsync(refusal.Text + "\n", context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async ValueTask<bool> StartAsync(ReadOnlyMemory<byte> head, CancellationToken stopping)
    {
        // The same head the takeover writes itself (LiveReply.StreamHead), through Kestrel, which adds the chunking.
        context.Response.ContentType = "video/mp2t";
        context.Response.Headers.CacheControl = "no-store";
        if (corsOrigin is not null)
        {
            context.Response.Headers.AccessControlAllowOrigin = corsOrigin;
            if (corsOrigin != "*")
            {
                context.Response.Headers.Vary = "Origin";
            }
        }
        try
        {
            await context.Response.StartAsync(context.RequestAborted);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // Kestrel's request features fall back to its connection's, so the socket is found here too.
    public override void EnableDeadPeerDetection(TimeSpan timeout)
    {
        if (context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            DeadPeerDetection.Enable(socket, timeout);
        }
    }

    public override IPacketSender CreateSender(ISendCompletion outbox) => _sender = new PipePacketSender(context.Response.BodyWriter, outbox);

    public override async Task<DisconnectReason> WaitForEndAsync(CancellationToken stopping)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping, _interrupt.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, ended.Token);
        }
        catch (OperationCanceledException)
        {
        }
        return context.RequestAborted.IsCancellationRequested ? DisconnectReason.Closed : DisconnectReason.Shutdown;
    }

    public override void Interrupt() => _interrupt.Cancel();

    public override Task StoppedAsync() => _sender?.Stopped ?? Task.CompletedTask;

    public void Dispose() => _interrupt.Dispose();
}
