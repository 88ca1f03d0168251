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
