namespace Castd.Daemon.Auth;

/// <summary>Where an HTTP request carries its token: <c>Authorization: Bearer</c>, or the query's <c>token</c> (a browser
/// cannot set headers on a WebSocket or a video element).</summary>
internal static class HttpCredentials
{
    public static string? Bearer(HttpRequest request) =>
        request.Headers.Authorization.ToString() is var value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? value["Bearer ".Length..].Trim()
            : null;

    public static string? Token(HttpRequest request) =>
        Bearer(request) ?? (request.Query["token"].ToString() is { Length: > 0 } query ? query : null);
}
