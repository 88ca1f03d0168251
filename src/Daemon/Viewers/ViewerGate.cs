using Castd.Daemon.Auth;
using Castd.Daemon.Channels;
using Castd.Daemon.Chat;
using Castd.Daemon.Sessions;
using Castd.Daemon.Streams;
using Castd.Daemon.Usage;
using Castd.Protocol.Viewers;
using Castd.Storage;
using Castd.Storage.Sessions;

namespace Castd.Daemon.Viewers;

/// <summary>
/// Whether a viewer may watch (docs/viewers.md, docs/sessions.md, docs/security.md): its token (when castd asks for
/// them) is for this user, the <c>play</c> scope and this channel, checked before any storage lookup; the user is
/// registered; and its account is within its limit. Shared by TCP viewers and HTTP players; codes as in
/// <see cref="ViewerReply"/>, which HTTP reuses as statuses.
/// </summary>
internal sealed class ViewerGate(
    TokenVerifier tokens,
    AuthCounters authCounters,
    IStateStore store,
    ISessionStore sessions,
    SessionLimitOptions options,
    ChannelRegistry channels,
    ViewerDirectory viewers,
    ChatGate chat)
{
    public async ValueTask<StreamAdmission> AdmitAsync(string userId, string channel, WireFormat format, bool fastStart, string? token)
    {
        if (await tokens.CheckAsync(token, userId, TokenScope.Play, channel) is not AuthFailure.None and var failure)
        {
            authCounters.Count(failure);
            var (code, text) = AuthFailures.Describe(failure);
            return StreamAdmission.Refuse(code, text);
        }
        SessionInfo session;
        try
        {
            if (!await store.IsRegisteredAsync(userId))
            {
                return StreamAdmission.Refuse(ViewerReply.Unregistered, $"user {userId} is not registered");
            }
            session = await sessions.OpenStreamAsync(userId, channel);
        }
        catch (StorageException)
        {
            // A fleet store (Redis) that is down: existing viewers keep watching, new ones are told why (docs/fleet.md).
            return StreamAdmission.Refuse(ViewerReply.Unavailable, "state store unavailable");
        }
        return session.Status == SessionStatus.Active
            ? new StreamAdmission(new AdmittedViewer(session, channel, format, fastStart, sessions, channels, viewers, chat), default)
            : StreamAdmission.Refuse(ViewerReply.TooManyStreams, $"stream limit reached: at most {options.MaxStreamsPerUser} concurrent streams for {userId}");
    }
}
