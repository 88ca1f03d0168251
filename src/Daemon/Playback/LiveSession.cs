using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Castd.Daemon.Diagnostics;
using Castd.Daemon.Viewers;
using Castd.Protocol.Http;
using Castd.Protocol.Viewers;
using Microsoft.AspNetCore.Connections;

namespace Castd.Daemon.Playback;

/// <summary>
/// A player's connection (docs/playback.md): reads the <c>GET /live/{channel}.ts?user=</c> head, refuses with an HTTP status
/// and a one-line body, or answers 200 and watches like a TCP viewer, fast start on: chunked payloads straight from the
/// shared packets to the socket.
/// </summary>
/// <remarks>Every byte castd writes here goes to the socket directly; nothing is ever put in Kestrel's output pipe, so
/// nothing there can be overtaken.</remarks>
internal sealed class LiveSession(IDuplexPipe transport, Socket socket, string? remote, ViewerServices services, CancellationToken stopping)
{
    public async Task RunAsync()
    {
        var (request, status, text) = await ReadRequestAsync();
        if (status != 0)
        {
            await RefuseAsync(status, text);
            return;
        }
        var (session, refusal, reason) = await ViewerAdmission.AdmitAsync(services, request.UserId, request.Channel);
        if (session is null)
        {
            await RefuseAsync(refusal, reason);
            return;
        }
        var viewer = new ViewerRequest(request.UserId, request.Channel, Framed: false, FastStart: services.Options.GopCacheBytes > 0);
        try
        {
            await socket.SendAsync(LiveReply.StreamHead(request.Chunked), SocketFlags.None, stopping);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            services.Sessions.CloseStream(session);
            return;
        }
        services.Counters.CountHttpPlayback();
        await ViewerWatch.RunAsync(services, session, viewer, request.Chunked ? WireFormat.Chunked : WireFormat.Raw, new SocketViewerTransport(transport, socket), remote, stopping);
    }

    private async Task<(LiveRequest Request, int Status, string Text)> ReadRequestAsync()
    {
        var input = transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(services.Options.HandshakeTimeout);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(timeout.Token);
                var reader = new SequenceReader<byte>(result.Buffer);
                var status = LiveRequestReader.TryRead(ref reader, out var request, out var error);
                input.AdvanceTo(reader.Position, result.Buffer.End);
                switch (status)
                {
                    case OperationStatus.Done:
                        return (request, 0, "");
                    case OperationStatus.InvalidData:
                        var (code, text) = LiveReply.Describe(error);
                        return (default, code, text);
                }
                if (result.IsCompleted)
                {
                    return (default, 400, "connection closed before the end of the request head");
                }
            }
        }
        catch (OperationCanceledException)
        {
            return (default, ViewerReply.Timeout, $"no request head within {services.Options.HandshakeTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException)
        {
            return (default, 400, "connection reset during the request head");
        }
    }

    private async Task RefuseAsync(int status, string text)
    {
        services.Counters.CountRefusal(status);
        Log.ViewerRefused(services.Logger, remote, status, text);
        try
        {
            await socket.SendAsync(LiveReply.ErrorResponse(status, text), SocketFlags.None, stopping);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The player is already gone; nothing to tell it.
        }
    }
}
