using System.Text;

namespace Castd.Protocol.Http;

/// <summary>The response heads of HTTP playback (docs/playback.md): the stream's, and one-line refusals.</summary>
public static class LiveReply
{
    /// <summary>No caching anywhere: every byte is live. Closing after the body: the connection belongs to the stream.</summary>
    /// <param name="corsOrigin">The <c>Access-Control-Allow-Origin</c> value (<c>*</c>, or one origin with <c>Vary: Origin</c>); null for none.</param>
    public static byte[] StreamHead(bool chunked, string? corsOrigin) => Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\nCache-Control: no-store\r\n"
        + corsOrigin switch
        {
            null => "",
            "*" => "Access-Control-Allow-Origin: *\r\n",
            var origin => $"Access-Control-Allow-Origin: {origin}\r\nVary: Origin\r\n",
        }
        + (chunked ? "Transfer-Encoding: chunked\r\n" : "") + "Connection: close\r\n\r\n");

    public static (int Status, string Text) Describe(LiveRequestError error) => error switch
    {
        LiveRequestError.HeadTooLarge => (431, "request head too large"),
        LiveRequestError.MethodNotAllowed => (405, "only GET plays a stream"),
        LiveRequestError.NotFound => (404, "no such stream: expected /live/<channel-id>.ts?user=<user-id>"),
        LiveRequestError.InvalidChannelId => (400, $"invalid channel: {ChannelNames.Rule}"),
        LiveRequestError.MissingUserId => (400, "missing user: expected /live/<channel-id>.ts?user=<user-id>"),
        LiveRequestError.InvalidUserId => (400, $"invalid user id: {UserIds.Rule}"),
        _ => (400, "malformed request"),
    };

    /// <summary>A refusal: the status and its one-line body, then the connection closes.</summary>
    public static byte[] ErrorResponse(int status, string text)
    {
        var body = text + "\n";
        return Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {Reason(status)}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\n"
            + $"{(status == 405 ? "Allow: GET\r\n" : "")}Connection: close\r\n\r\n{body}");
    }

    private static string Reason(int status) => status switch
    {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    };
}
