using Castd.Daemon.Viewers;

namespace Castd.Daemon.Playback;

/// <summary>A playback viewer on a Kestrel-owned HTTP request: writes through the response, ends with the request.</summary>
internal sealed class ResponseViewerTransport(HttpContext context) : IViewerTransport, IDisposable
{
    private readonly CancellationTokenSource _interrupt = new();
    private PipePacketSender? _sender;

    public IPacketSender CreateSender(ISendCompletion outbox) => _sender = new PipePacketSender(context.Response.BodyWriter, outbox);

    public async Task<DisconnectReason> WaitForEndAsync(CancellationToken stopping)
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

    public void Interrupt() => _interrupt.Cancel();

    public Task StoppedAsync() => _sender?.Stopped ?? Task.CompletedTask;

    public void Dispose() => _interrupt.Dispose();
}
