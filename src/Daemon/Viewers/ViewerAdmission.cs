using Castd.Protocol;
using Castd.Protocol.Viewers;
using Castd.Storage;
using Castd.Storage.Sessions;

namespace Castd.Daemon.Viewers;

/// <summary>Whether a viewer may watch (docs/http.md, docs/sessions.md): registered, and within its account's limit. Shared by TCP and HTTP viewers.</summary>
internal static class ViewerAdmission
{
    /// <returns>The admitted session, or null with the refusal (codes as in <see cref="ViewerReply"/>, which HTTP reuses as statuses).</returns>
    public static async ValueTask<(SessionInfo? Session, int Code, string Text)> AdmitAsync(ViewerServices services, string userId, ChannelId channel)
    {
        try
        {
            // RocksDB reads are synchronous and fast (block cache); off the I/O thread anyway in case the disk is slow.
            if (!await Task.Run(() => services.Store.IsRegistered(userId)))
            {
                return (null, ViewerReply.Unregistered, $"user {userId} is not registered");
            }
        }
        catch (StorageException)
        {
            return (null, ViewerReply.Unavailable, "state store unavailable");
        }
        SessionInfo session;
        try
        {
            session = services.Sessions.OpenStream(userId, channel.ToString());
        }
        catch (StorageException)
        {
            // A fleet store (Redis) that is down: existing viewers keep watching, new ones are told why (docs/fleet.md).
            return (null, ViewerReply.Unavailable, "state store unavailable");
        }
        return session.Status == SessionStatus.Active
            ? (session, 0, "")
            : (null, ViewerReply.TooManyStreams, $"stream limit reached: at most {services.Options.MaxStreamsPerUser} concurrent streams for {userId}");
    }
}
