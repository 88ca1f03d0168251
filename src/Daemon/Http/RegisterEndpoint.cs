using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Castd.Daemon.Auth;
using Castd.Daemon.Diagnostics;
using Castd.Protocol;
using Castd.Storage;

namespace Castd.Daemon.Http;

/// <summary><c>POST /register</c>, body = the user id as text, first line (docs/http.md).</summary>
internal static class RegisterEndpoint
{
    /// <summary>A user id is at most 64 bytes; 1 KiB leaves room for a trailing newline or a curl quirk, and no more.</summary>
    private const int MaxBodyBytes = 1024;

    public static async Task<IResult> HandleAsync(HttpRequest request, IStateStore store, HttpAccess access, ILogger<RegisterCommand> logger)
    {
        if (access.RequireOperator(request.HttpContext) is { } refused)
        {
            return refused;
        }
        var body = await ReadBodyAsync(request.BodyReader, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return Results.Text($"request body larger than {MaxBodyBytes} bytes\n", statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        var userId = FirstLine(body);
        if (userId.Length == 0)
        {
            return Results.Text("empty user id: send the user id as the request body\n", statusCode: StatusCodes.Status400BadRequest);
        }
        if (!UserIds.IsValid(userId))
        {
            return Results.Text($"invalid user id: {UserIds.Rule}\n", statusCode: StatusCodes.Status400BadRequest);
        }
        try
        {
            await store.RegisterAsync(userId);
            return Results.Ok();
        }
        catch (StorageException ex) when (ex.Unavailable)
        {
            return StateUnavailable.Response(ex);
        }
        catch (StorageException ex)
        {
            Log.RegisterFailed(logger, userId, ex);
            return Results.Text("storage failure: registration not saved\n", statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    /// <summary>Null when the body is over the cap; reading stops there instead of buffering it all.</summary>
    private static async Task<string?> ReadBodyAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.Buffer.Length > MaxBodyBytes)
            {
                reader.AdvanceTo(result.Buffer.End);
                return null;
            }
            if (result.IsCompleted)
            {
                var text = Encoding.UTF8.GetString(result.Buffer);
                reader.AdvanceTo(result.Buffer.End);
                return text;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static string FirstLine(string body)
    {
        var end = body.AsSpan().IndexOfAny('\r', '\n');
        return (end < 0 ? body : body[..end]).Trim();
    }

    /// <summary>Log category for registration.</summary>
    internal sealed class RegisterCommand;
}
