using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Castd.Daemon.Channels;
using Castd.Daemon.Diagnostics;
using Castd.Daemon.Hosting;
using Castd.Daemon.Usage;
using Castd.Protocol.Viewers;
using Castd.Storage;
using Castd.Storage.Sessions;
using Microsoft.AspNetCore.Connections;

namespace Castd.Daemon.Viewers;

/// <summary>
/// One viewer connection (docs/viewers.md): reads the request line, refuses with <c>ERR</c> or subscribes to the channel,
/// then waits until the viewer leaves, falls behind, or castd stops. The request line and refusals go through the
/// transport's pipes; packets go straight to the socket so they are never copied.
/// </summary>
internal sealed class ViewerSession(
    IDuplexPipe transport,
    Socket socket,
    string? remote,
    ViewerServices services,
    CancellationToken stopping)
{
    private readonly CastdOptions _options = services.Options;

    public async Task RunAsync()
    {
        var (request, code, text) = await ReadRequestAsync();
        if (code != 0)
        {
            await RefuseAsync(code, text);
            return;
        }
        var (session, refusal, reason) = await ViewerAdmission.AdmitAsync(services, request.UserId, request.Channel);
        if (session is null)
        {
            await RefuseAsync(refusal, reason);
            return;
        }
        // Only admitted viewers: a connection still in its handshake has the handshake timeout, and a storm of
        // connects costs no extra system calls.
        DeadPeerDetection.Enable(socket, _options.ViewerDeadPeerTimeout);
        var format = request.Framed ? WireFormat.Framed : WireFormat.Raw;
        await ViewerWatch.RunAsync(services, session, request, format, new SocketViewerTransport(transport, socket), remote, stopping);
    }

    private async Task<(ViewerRequest Request, int Code, string Text)> ReadRequestAsync()
    {
        var input = transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(_options.HandshakeTimeout);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(timeout.Token);
                var buffer = result.Buffer;
                var reader = new SequenceReader<byte>(buffer);
                var status = ViewerHandshakeReader.TryRead(ref reader, out var request, out var error);
                input.AdvanceTo(reader.Position, buffer.End);
                switch (status)
                {
                    case OperationStatus.Done:
                        return (request, 0, "");
                    case OperationStatus.InvalidData:
                        var (code, text) = ViewerReply.Describe(error);
                        return (default, code, text);
                }
                if (result.IsCompleted)
                {
                    return (default, ViewerReply.BadRequest, "connection closed before the end of the request line");
                }
            }
        }
        catch (OperationCanceledException)
        {
            return (default, ViewerReply.Timeout, $"no request line within {_options.HandshakeTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException)
        {
            return (default, ViewerReply.BadRequest, "connection reset during the request line");
        }
    }

    private async Task RefuseAsync(int code, string text)
    {
        services.Counters.CountRefusal(code);
        Log.ViewerRefused(services.Logger, remote, code, text);
        try
        {
            ViewerReply.WriteError(transport.Output, code, text);
            await transport.Output.FlushAsync();
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or InvalidOperationException)
        {
            // The viewer is already gone; nothing to tell it.
        }
    }
}
