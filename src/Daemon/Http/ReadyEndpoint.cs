using Castd.Daemon.Ingest;
using Castd.Storage;

namespace Castd.Daemon.Http;

/// <summary>
/// <c>GET /readyz</c>: 200 when castd can serve — listeners bound (the host has started), storage answering (every
/// Redis primary connected, for a fleet), and the source connected unless <c>CASTD_READY_WITHOUT_SOURCE</c> allows it to be down; otherwise 503 saying why.
/// </summary>
internal static class ReadyEndpoint
{
    public static async Task<IResult> HandleAsync(IHostApplicationLifetime lifetime, IStateBackend backend, IngestCounters ingest, IngestOptions options)
    {
        var problems = new List<string>();
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            problems.Add("listeners not bound yet");
        }
        if (backend.Problem is { } down)
        {
            problems.Add($"storage: {down}");
        }
        else
        {
            try
            {
                // A real read through the store (the answer does not matter): fails when RocksDB or Redis does.
                await backend.State.IsRegisteredAsync("-");
            }
            catch (StorageException ex)
            {
                problems.Add($"storage: {ex.Message}");
            }
        }
        if (!ingest.Connected && !options.ReadyWithoutSource)
        {
            problems.Add("channel source not connected");
        }
        return Results.Json(new ReadyResponse(problems.Count == 0, problems), CastdJsonContext.Default.ReadyResponse,
            statusCode: problems.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
