namespace Castd.Protocol.Http;

/// <summary>An HTTP playback request (docs/playback.md): <c>GET /live/{channel}.ts?user=&lt;id&gt;</c>.</summary>
/// <param name="Channel">A name of <see cref="ChannelNames"/>' rule; only a <see cref="ChannelId"/> can go live.</param>
/// <param name="Token">The query's <c>token</c> (docs/security.md), or null.</param>
/// <param name="Origin">The request's <c>Origin</c> field (a browser's page), or null.</param>
/// <param name="Chunked">HTTP/1.1: the body is chunked; an HTTP/1.0 client gets the bytes until the connection closes.</param>
public readonly record struct LiveRequest(string UserId, string Channel, bool Chunked, string? Token = null, string? Origin = null);

/// <summary>Why a playback request was refused; each maps to one status (<see cref="LiveReply"/>).</summary>
public enum LiveRequestError
{
    None,
    HeadTooLarge,
    Malformed,
    MethodNotAllowed,
    NotFound,
    InvalidChannelId,
    MissingUserId,
    InvalidUserId,
}
