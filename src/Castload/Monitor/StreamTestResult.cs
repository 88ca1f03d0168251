using System.Globalization;

namespace Castd.Castload.Monitor;

/// <summary>The outcome of one test stream: what the metrics and the per-test line are made of.</summary>
/// <param name="Failure">Why the test failed; null on success.</param>
/// <param name="StartupSeconds">Connect → first stream byte; null when no stream byte came (an ERR line is not one).</param>
/// <param name="Latencies">Per-packet delivery latencies of this test (µs), as distinct values and how often each was seen.</param>
/// <param name="MediaSeconds">Packets × the packet duration: how much media the test received.</param>
internal sealed record StreamTestResult(
    string? Failure,
    double? StartupSeconds,
    IReadOnlyList<(long Micros, long Count)> Latencies,
    double? LatencyP50Seconds,
    long Packets,
    long Gaps,
    double MediaSeconds)
{
    public bool Succeeded => Failure is null;

    public string Status => Succeeded ? "success" : "failure";

    /// <summary>One plain-text line: <c>test 3 success startup_ms=12.3 latency_p50_ms=0.61 packets=98 gaps=0</c>, failures end with <c>reason=…</c>.</summary>
    public string Format(int number) => string.Create(CultureInfo.InvariantCulture,
        $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} test {number} {Status} startup_ms={Ms(StartupSeconds)} latency_p50_ms={Ms(LatencyP50Seconds)} packets={Packets} gaps={Gaps}{(Failure is null ? "" : " reason=" + Failure)}");

    private static string Ms(double? seconds) => seconds is { } s ? (s * 1000).ToString("0.000", CultureInfo.InvariantCulture) : "-";
}
