using Castd.Storage;

namespace Castd.Daemon.Http;

/// <summary>docs/fleet.md: an HTTP call that needs state the store cannot reach now answers 503 with a JSON error.</summary>
internal static class StateUnavailable
{
    public static IResult Response(StorageException ex) =>
        Results.Json(new ErrorResponse($"state store unavailable: {ex.Message}"), CastdJsonContext.Default.ErrorResponse, statusCode: StatusCodes.Status503ServiceUnavailable);
}
