using Castd.Daemon.Auth;
using Castd.Daemon.Usage;
using Castd.Protocol;
using Castd.Storage;

namespace Castd.Daemon.Http;

/// <summary><c>GET /usage/{user-id}</c>: <c>{"sessions":{"&lt;channel&gt;":&lt;seconds&gt;}}</c> for the last 24 hours (docs/http.md).</summary>
internal static class UsageEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext context, string userId, UsageReport report, HttpAccess access)
    {
        if (!UserIds.IsValid(userId))
        {
            return Results.Text($"invalid user id: {UserIds.Rule}\n", statusCode: StatusCodes.Status400BadRequest);
        }
        if (await access.RequireUserAsync(context, userId) is { } refused)
        {
            return refused;
        }
        try
        {
            return Results.Json(new UsageResponse(await report.SecondsByChannelAsync(userId)), CastdJsonContext.Default.UsageResponse);
        }
        catch (StorageException ex) when (ex.Unavailable)
        {
            return StateUnavailable.Response(ex);
        }
        catch (StorageException)
        {
            return Results.Json(new ErrorResponse("state store unavailable"), CastdJsonContext.Default.ErrorResponse, statusCode: StatusCodes.Status500InternalServerError);
        }
    }
}
