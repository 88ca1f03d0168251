namespace Castd.Daemon.Auth;

/// <summary>
/// Which web pages may use castd from a browser (docs/security.md): the chat WebSocket's <c>Origin</c> check and the
/// CORS header of <c>/live</c>. CASTD_ALLOWED_ORIGINS lists origins (or <c>*</c>). Unset, any origin in open mode (as
/// before) and only the page's own host once tokens are asked for. A request without <c>Origin</c> is not a browser
/// page's (ffmpeg, a gochat client) and is never refused for it.
/// </summary>
internal sealed class OriginPolicy(AuthOptions options, TokenVerifier tokens)
{
    private readonly bool _any = options.AllowedOrigins.Contains("*");

    /// <param name="host">The request's Host, for the same-origin default.</param>
    public bool Allows(string? origin, string? host)
    {
        if (string.IsNullOrEmpty(origin) || _any)
        {
            return true;
        }
        if (options.AllowedOrigins.Length > 0)
        {
            return options.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase);
        }
        return !tokens.Enabled || Uri.TryCreate(origin, UriKind.Absolute, out var page) && string.Equals(page.Authority, host, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The <c>Access-Control-Allow-Origin</c> of a <c>/live</c> response: <c>*</c> unless origins are listed
    /// (tokens travel in the URL, never in cookies, so any page may read a stream it holds a token for); then the
    /// request's origin when listed, or none.</summary>
    public string? CorsOrigin(string? origin) =>
        options.AllowedOrigins.Length == 0 || _any ? "*"
        : origin is not null && options.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase) ? origin
        : null;
}
