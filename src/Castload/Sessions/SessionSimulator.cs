using System.Net.Http.Json;
using System.Text.Json;

namespace Castd.Castload.Sessions;

/// <summary>Plays N players: one PUT each, a GET heartbeat every interval, a DELETE at the end; prints every change of fate.</summary>
internal sealed class SessionSimulator(HttpClient client, TextWriter output)
{
    public async Task<int> RunAsync(IReadOnlyList<string> accounts, TimeSpan interval, TimeSpan duration, CancellationToken cancellationToken)
    {
        var streams = accounts.Select((account, i) => (Account: account, Stream: $"stream-{i + 1}")).ToList();
        var fates = new string[streams.Count];
        for (var i = 0; i < streams.Count; i++)
        {
            var (account, stream) = streams[i];
            var (fate, detail) = await CallAsync(HttpMethod.Put, account, stream, cancellationToken);
            fates[i] = fate;
            output.WriteLine($"{account}/{stream}: PUT -> {detail}");
        }

        using var timer = new PeriodicTimer(interval);
        var end = DateTime.UtcNow + duration;
        try
        {
            while (DateTime.UtcNow < end && await timer.WaitForNextTickAsync(cancellationToken))
            {
                for (var i = 0; i < streams.Count; i++)
                {
                    var (fate, detail) = await CallAsync(HttpMethod.Get, streams[i].Account, streams[i].Stream, cancellationToken);
                    if (fate != fates[i])
                    {
                        output.WriteLine($"{streams[i].Account}/{streams[i].Stream}: heartbeat -> {detail}");
                        fates[i] = fate;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var (account, stream) in streams)
        {
            await CallAsync(HttpMethod.Delete, account, stream, CancellationToken.None);
        }
        output.WriteLine($"fates: {string.Join(", ", fates.GroupBy(f => f).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"))}");
        return 0;
    }

    /// <summary>One call: its fate in a word (ACTIVE, DROPPED, GONE, ENDED) and the details as one line.</summary>
    private async Task<(string Fate, string Detail)> CallAsync(HttpMethod method, string account, string stream, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, $"/streaming?account={Uri.EscapeDataString(account)}&streamId={Uri.EscapeDataString(stream)}");
        using var response = await client.SendAsync(request, cancellationToken);
        var code = (int)response.StatusCode;
        if (code == 204)
        {
            return ("ENDED", "204 ended");
        }
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (body.TryGetProperty("error", out var error))
        {
            return (code == 404 ? "GONE" : "ERROR", $"{code} {error.GetString()}");
        }
        var status = body.GetProperty("status").GetString()!;
        var reason = body.TryGetProperty("reason", out var why) ? $" ({why.GetString()})" : "";
        return (status, $"{code} {status} {body.GetProperty("id").GetString()}{reason}");
    }
}
