using Castd.Daemon.Diagnostics;
using Castd.Protocol.Viewers;
using Castd.Storage.Sessions;

namespace Castd.Daemon.Viewers;

/// <summary>
/// An admitted viewer, TCP or HTTP, from subscribing to its channel until it leaves, falls behind or castd stops:
/// usage, chat presence, the session and the counters all follow this one path.
/// </summary>
internal static class ViewerWatch
{
    public static async Task RunAsync(
        ViewerServices services, SessionInfo session, ViewerRequest request, WireFormat format, IViewerTransport transport, string? remote, CancellationToken stopping)
    {
        var outbox = new ViewerOutbox(format, services.Options.ViewerBufferBytes, services, _ => transport.Interrupt());
        outbox.Attach(transport.CreateSender(outbox));
        var channel = services.Channels.GetOrCreate(request.Channel);
        var viewer = services.Viewers.Join(request.UserId, channel);
        if (request.FastStart)
        {
            channel.SubscribeFastStart(outbox);
        }
        else
        {
            channel.Subscribe(outbox);
        }
        services.Chat.ViewerStarted(request.UserId, channel.Id);
        Log.ViewerJoined(services.Logger, request.UserId, channel.Name, request.FastStart ? $"{format}, fast start" : format.ToString(), remote);

        var reason = DisconnectReason.Closed;
        try
        {
            reason = await transport.WaitForEndAsync(stopping);
        }
        finally
        {
            channel.Unsubscribe(outbox);
            outbox.Close(reason);
            await transport.StoppedAsync();
            services.Viewers.Leave(viewer);
            services.Sessions.CloseStream(session);
            services.Counters.CountDisconnect(outbox.CloseReason);
            Log.ViewerLeft(services.Logger, request.UserId, channel.Name, outbox.CloseReason.ToString(), outbox.PacketsSent, outbox.BytesSent);
        }
    }
}
