using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Castd.Daemon.Web;

/// <summary>
/// The watch page (docs/playback.md) and its scripts, embedded in castd (Daemon.csproj), mpegts.js included: <c>/</c> is the
/// page, <c>/web/{file}</c> the rest.
/// </summary>
/// <remarks>
/// The URLs carry no version, so a browser must not keep a file past a castd upgrade: every response has a strong
/// ETag (a hash of the bytes) and <c>no-cache</c>, which means "revalidate first", and a revalidation is a 304 without
/// a body. mpegts.js (270 KB) is thus fetched once per browser per castd version.
/// </remarks>
internal static class WebContent
{
    public const string PageName = "watch.html";

    /// <summary>
    /// The page loads only its own files and talks only to castd (its /live, /channels, /register and chat WebSocket);
    /// MSE plays from a blob: URL; the page's style sheet is inline; nothing may frame it (docs/security.md).
    /// </summary>
    private const string ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
        + "media-src 'self' blob:; worker-src 'self' blob:; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private static readonly FrozenDictionary<string, WebFile> Files = Load();

    /// <summary>GET and HEAD: a HEAD (curl -I, link checkers, monitors) gets the GET's headers and no body.</summary>
    public static void MapWebContent(this IEndpointRouteBuilder app) =>
        app.MapMethods("/web/{file}", [HttpMethods.Get, HttpMethods.Head], (HttpContext context, string file) => Serve(context, file));

    /// <summary>Writes one file, or a 304 when the browser's copy is current, or a 404.</summary>
    public static IResult Serve(HttpContext context, string name)
    {
        if (!Files.TryGetValue(name, out var file))
        {
            return Results.NotFound();
        }
        var headers = context.Response.Headers;
        headers.ETag = file.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        // A token rides in the fragment, which no Referer carries; the page's own requests need no Referer either.
        headers["Referrer-Policy"] = "no-referrer";
        return context.Request.Headers.IfNoneMatch.Contains(file.ETag)
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(file.Bytes, file.ContentType);
    }

    private static FrozenDictionary<string, WebFile> Load()
    {
        var assembly = typeof(WebContent).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(resource => resource.StartsWith("web/", StringComparison.Ordinal))
            .ToFrozenDictionary(resource => resource["web/".Length..], resource =>
            {
                using var stream = assembly.GetManifestResourceStream(resource)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                var bytes = copy.ToArray();
                var contentType = Path.GetExtension(resource) == ".html" ? "text/html; charset=utf-8" : "text/javascript; charset=utf-8";
                return new WebFile(bytes, contentType, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]}\"");
            }, StringComparer.Ordinal);
    }

    private sealed record WebFile(byte[] Bytes, string ContentType, string ETag);
}
