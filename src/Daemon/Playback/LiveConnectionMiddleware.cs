using System.Buffers;
using Castd.Daemon.Streams;
using Castd.Protocol.Http;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Castd.Daemon.Playback;

/// <summary>
/// Sits in front of Kestrel's HTTP on the HTTP port: a connection whose first bytes are <c>GET /live/</c> is a player
/// (ffplay, mpv, VLC, ffmpeg, curl) and is served by castd itself (<see cref="PlayerProtocol"/> in the stream
/// lifecycle), its stream going straight to the socket like a TCP viewer's; every other connection goes on to Kestrel
/// untouched.
/// </summary>
/// <remarks>
/// The peek consumes nothing and examines nothing, so Kestrel reads the same bytes at once. A pipe may not be told
/// that less was examined than before, so while fewer bytes than the prefix have arrived (a request dribbled in byte
/// by byte) it looks again after a short sleep instead of waiting on the pipe.
/// </remarks>
internal static class LiveConnectionMiddleware
{
    private static readonly TimeSpan DribblePoll = TimeSpan.FromMilliseconds(10);

    public static void UseLivePlayback(this ListenOptions listen)
    {
        var services = listen.ApplicationServices;
        var lifecycle = services.GetRequiredService<StreamLifecycle>();
        var protocol = services.GetRequiredService<PlayerProtocol>();
        var timeout = services.GetRequiredService<StreamOptions>().HandshakeTimeout;
        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        listen.Use(next => connection => RunAsync(connection, next, lifecycle, protocol, timeout, stopping));
    }

    private static async Task RunAsync(ConnectionContext connection, ConnectionDelegate next, StreamLifecycle lifecycle, PlayerProtocol protocol, TimeSpan timeout, CancellationToken stopping)
    {
        if (await StartsWithLiveRequestAsync(connection, timeout, stopping))
        {
            await lifecycle.RunAsync(new TransportStreamConnection(connection), connection.Transport.Input, protocol, stopping);
            return;
        }
        await next(connection);
    }

    private static async Task<bool> StartsWithLiveRequestAsync(ConnectionContext connection, TimeSpan timeout, CancellationToken stopping)
    {
        var input = connection.Transport.Input;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        cancel.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(cancel.Token);
                var status = LiveRequestReader.IsLiveRequest(result.Buffer);
                input.AdvanceTo(result.Buffer.Start);
                if (status != OperationStatus.NeedMoreData || result.IsCompleted)
                {
                    return status == OperationStatus.Done;
                }
                await Task.Delay(DribblePoll, cancel.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Too slow to tell: Kestrel's own request timeouts deal with it.
            return false;
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException)
        {
            return false;
        }
    }
}
