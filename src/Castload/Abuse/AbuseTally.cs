using System.Collections.Concurrent;
using System.Text.Json;

namespace Castd.Castload.Abuse;

/// <summary>What the abuse did, connection by connection, so a script can match it against castd's own counters.</summary>
internal sealed class AbuseTally
{
    private readonly ConcurrentDictionary<string, long> _counts = new();
    private readonly ConcurrentDictionary<string, long> _replies = new();
    private string? _firstFailure;

    /// <summary>Counts one event of <paramref name="kind"/> (e.g. <c>storm.close</c>: a connect closed at once).</summary>
    public void Count(string kind) => _counts.AddOrUpdate(kind, 1, static (_, n) => n + 1);

    /// <summary>Counts the first word after <c>ERR</c> that castd answered, or <c>none</c> when it closed silently.</summary>
    public void Reply(string code) => _replies.AddOrUpdate(code, 1, static (_, n) => n + 1);

    public void Fail(string kind, Exception ex)
    {
        Count(kind + ".failed");
        Interlocked.CompareExchange(ref _firstFailure, $"{kind}: {ex.Message}", null);
    }

    public void WriteTo(Utf8JsonWriter json)
    {
        json.WriteStartObject("counts");
        foreach (var (kind, n) in _counts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            json.WriteNumber(kind, n);
        }
        json.WriteEndObject();
        json.WriteStartObject("replies");
        foreach (var (code, n) in _replies.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            json.WriteNumber(code, n);
        }
        json.WriteEndObject();
        json.WriteString("firstFailure", _firstFailure);
    }
}
