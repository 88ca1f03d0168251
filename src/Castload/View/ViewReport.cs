using System.Globalization;
using Castd.Castload.Bench;

namespace Castd.Castload.View;

/// <summary>The summary <c>castload view</c> prints: one line per figure, easy to grep in scripts.</summary>
internal static class ViewReport
{
    /// <returns>The process exit code: 0 streamed, 3 refused, 4 framed checks failed.</returns>
    public static int Print(TextWriter output, ViewOptions options, IReadOnlyList<ViewerResult> results, LatencySummary latency, double seconds)
    {
        var refused = results.Where(r => r.Refusal is not null).ToList();
        foreach (var refusal in refused.Select(r => r.Refusal).Distinct())
        {
            output.WriteLine($"refused: {refusal}");
        }
        var bytes = results.Sum(r => r.Bytes);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"viewers: {results.Count} ({refused.Count} refused, {results.Count(r => r.ClosedByServer)} closed by castd), {seconds:0.0} s"));
        var firstBytes = results.Where(r => r.FirstByteMs is not null).Select(r => r.FirstByteMs!.Value).Order().ToList();
        if (firstBytes.Count > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"first byte ms: p50 {firstBytes[firstBytes.Count / 2]:0.00} p99 {firstBytes[int.Min(firstBytes.Count - 1, (int)(firstBytes.Count * 0.99))]:0.00} max {firstBytes[^1]:0.00}"));
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bytes: {bytes} ({bytes / seconds / 1e6:0.00} MB/s, {bytes * 8 / seconds / 1e6:0.0} Mbit/s)"));
        if (options.Framed)
        {
            var packets = results.Sum(r => r.Packets);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"packets: {packets} ({packets / seconds:0} packets/s)"));
            output.WriteLine($"gaps: {results.Sum(r => r.Gaps)}, out-of-order: {results.Sum(r => r.OutOfOrder)}, corrupt: {results.Sum(r => r.Corrupt)}");
            if (latency.P50Ms is not null)
            {
                output.WriteLine($"latency ms: p50 {LatencySummary.Format(latency.P50Ms)} p99 {LatencySummary.Format(latency.P99Ms)} p99.9 {LatencySummary.Format(latency.P999Ms)} max {LatencySummary.Format(latency.MaxMs)}");
            }
            if (results.Any(r => r.OutOfOrder > 0 || r.Corrupt > 0))
            {
                return 4;
            }
        }
        return refused.Count > 0 ? 3 : 0;
    }
}
