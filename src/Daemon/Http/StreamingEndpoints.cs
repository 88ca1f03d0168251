using Castd.Daemon.Auth;
using Castd.Protocol;
using Castd.Storage;
using Castd.Storage.Sessions;

namespace Castd.Daemon.Http;

/// <summary>
/// The DAZN-style session API (docs/sessions.md): <c>PUT</c> opens, <c>GET</c> heartbeats, <c>DELETE</c> ends
/// <c>/streaming?account=A&amp;streamId=S</c>; <c>GET /sessions/{user}</c> lists an account's live sessions.
/// </summary>
internal static class StreamingEndpoints
{
    /// <summary>Player-chosen stream ids: long enough for UUIDs and URLs' last segments, short enough to log.</summary>
    private const int MaxStreamIdLength = 128;

    public static void MapStreaming(this IEndpointRouteBuilder app)
    {
        app.MapPut("/streaming", Open);
        app.MapGet("/streaming", Heartbeat);
        app.MapDelete("/streaming", Close);
        app.MapGet("/sessions/{user}", List);
    }

    private static async Task<IResult> Open(HttpContext context, string? account, string? streamId, ISessionStore sessions, HttpAccess access) =>
        Validate(account, streamId) ?? await access.RequireSessionAsync(context, account!)
        ?? await WithState(async () => Describe(await sessions.OpenHttpAsync(account!, streamId!), StatusCodes.Status200OK));

    private static async Task<IResult> Heartbeat(HttpContext context, string? account, string? streamId, ISessionStore sessions, HttpAccess access) =>
        Validate(account, streamId) ?? await access.RequireSessionAsync(context, account!)
        ?? await WithState(async () => await sessions.HeartbeatAsync(account!, streamId!) is { } session
            ? Describe(session, session.Status == SessionStatus.Active ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest)
            : NotFound(account!, streamId!));

    private static async Task<IResult> Close(HttpContext context, string? account, string? streamId, ISessionStore sessions, HttpAccess access) =>
        Validate(account, streamId) ?? await access.RequireSessionAsync(context, account!)
        ?? await WithState(async () => await sessions.CloseHttpAsync(account!, streamId!) ? Results.NoContent() : NotFound(account!, streamId!));

    private static async Task<IResult> List(HttpContext context, string user, ISessionStore sessions, HttpAccess access) =>
        !UserIds.IsValid(user) ? Error($"invalid user id: {UserIds.Rule}")
        : await access.RequireUserAsync(context, user) ?? await WithState(async () => Describe(user, await sessions.ListAsync(user)));

    private static IResult Describe(string user, IReadOnlyList<SessionInfo> sessions)
    {
        var live = sessions.Select(s => new SessionListItem(
            s.Id,
            s.Kind == SessionKind.Http ? "http" : "stream",
            s.Kind == SessionKind.Http ? s.Key : null,
            s.Kind == SessionKind.Stream ? s.Key : null,
            StatusText(s.Status),
            s.Since)).ToList();
        return Results.Json(new SessionListResponse(user, live), CastdJsonContext.Default.SessionListResponse);
    }

    private static async Task<IResult> WithState(Func<Task<IResult>> answer)
    {
        try
        {
            return await answer();
        }
        catch (StorageException ex) when (ex.Unavailable)
        {
            return StateUnavailable.Response(ex);
        }
    }

    private static IResult? Validate(string? account, string? streamId)
    {
        if (string.IsNullOrEmpty(account))
        {
            return Error("missing query parameter: account");
        }
        if (!UserIds.IsValid(account))
        {
            return Error($"invalid account: {UserIds.Rule}");
        }
        if (string.IsNullOrEmpty(streamId))
        {
            return Error("missing query parameter: streamId");
        }
        if (streamId.Length > MaxStreamIdLength || streamId.AsSpan().ContainsAnyExceptInRange('!', '~'))
        {
            return Error($"invalid streamId: 1 to {MaxStreamIdLength} printable ASCII characters without spaces");
        }
        return null;
    }

    private static IResult Describe(SessionInfo session, int status) =>
        Results.Json(
            session.Status == SessionStatus.Active
                ? new SessionResponse(session.Id, session.Account, session.Key, "ACTIVE", null, null)
                : new SessionResponse(session.Id, session.Account, session.Key, "DROPPED", "Session Status is DROPPED", "Threshold Limit reached"),
            CastdJsonContext.Default.SessionResponse,
            statusCode: status);

    private static IResult NotFound(string account, string streamId) =>
        Results.Json(new ErrorResponse($"no live session for account {account} and stream {streamId}: expired, ended or never opened"),
            CastdJsonContext.Default.ErrorResponse, statusCode: StatusCodes.Status404NotFound);

    private static IResult Error(string reason) =>
        Results.Json(new ErrorResponse(reason), CastdJsonContext.Default.ErrorResponse, statusCode: StatusCodes.Status400BadRequest);

    private static string StatusText(SessionStatus status) => status == SessionStatus.Active ? "ACTIVE" : "DROPPED";
}
