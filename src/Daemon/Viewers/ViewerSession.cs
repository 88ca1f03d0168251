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
/// One viewer connection (SPEC §3): reads the request line, refuses with <c>ERR</c> or subscribes to the channel,
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
        if (await CheckRegisteredAsync(request.UserId) is { } refusal)
        {
            await RefuseAsync(refusal.Code, refusal.Text);
            return;
        }
        SessionInfo session;
        try
        {
            session = services.Sessions.OpenStream(request.UserId, request.Channel.ToString());
        }
        catch (StorageException)
        {
            await RefuseAsync(ViewerReply.Unavailable, "state store unavailable");
            return;
        }
        if (session.Status != SessionStatus.Active)
        {
            await RefuseAsync(ViewerReply.TooManyStreams, $"stream limit reached: at most {_options.MaxStreamsPerUser} concurrent streams for {request.UserId}");
            return;
        }
        try
        {
            await StreamAsync(request);
        }
        finally
        {
            services.Sessions.CloseStream(session);
        }
    }

    private async Task StreamAsync(ViewerRequest request)
    {
        var input = transport.Input;
        var outbox = new ViewerOutbox(request.Framed ? WireFormat.Framed : WireFormat.Raw, _options.ViewerBufferBytes, services, _ => input.CancelPendingRead());
        outbox.Attach(new SocketPacketSender(socket, outbox));
        var channel = services.Channels.GetOrCreate(request.Channel);
        var viewer = services.Viewers.Join(request.UserId, channel);
        channel.Subscribe(outbox);
        services.Chat.ViewerStarted(request.UserId, channel.Id);
        Log.ViewerJoined(services.Logger, request.UserId, channel.Name, request.Framed ? "framed" : "raw", remote);

        var reason = DisconnectReason.Closed;
        try
        {
            reason = await ConnectionEnd.WaitAsync(input, stopping);
        }
        finally
        {
            channel.Unsubscribe(outbox);
            outbox.Close(reason);
            services.Viewers.Leave(viewer);
            services.Counters.CountDisconnect(outbox.CloseReason);
            Log.ViewerLeft(services.Logger, request.UserId, channel.Name, outbox.CloseReason.ToString(), outbox.PacketsSent, outbox.BytesSent);
        }
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

    private async ValueTask<(int Code, string Text)?> CheckRegisteredAsync(string userId)
    {
        try
        {
            // RocksDB reads are synchronous and fast (block cache); off the I/O thread anyway in case the disk is slow.
            var registered = await Task.Run(() => services.Store.IsRegistered(userId));
            return registered ? null : (ViewerReply.Unregistered, $"user {userId} is not registered");
        }
        catch (StorageException)
        {
            return (ViewerReply.Unavailable, "state store unavailable");
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
