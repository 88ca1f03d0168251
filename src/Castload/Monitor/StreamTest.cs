using System.Globalization;
using System.Net.Sockets;
using Castd.Castload.Bench;
using Castd.Castload.View;

namespace Castd.Castload.Monitor;

/// <summary>
/// One synthetic test stream: register the monitor's user, watch the channel in framed mode for the test duration
/// (docs/viewers.md), and judge it. Success means the first stream byte came within the startup timeout, castd neither
/// refused nor closed the stream early, and packets arrived.
/// </summary>
internal sealed class StreamTest(MonitorOptions options, HttpClient http)
{
    /// <returns>The judged result; throws <see cref="OperationCanceledException"/> only when the monitor is stopping.</returns>
    public async Task<StreamTestResult> RunAsync(CancellationToken stopping)
    {
        if (await RegisterAsync(stopping) is { } registerFailure)
        {
            return Judge(registerFailure, null, null);
        }

        var latencies = new LatencyRecorder();
        latencies.Start();
        var viewer = new StreamViewer(new ViewerRequest(options.StreamHost, options.StreamPort, options.User, options.Channel, Framed: true),
            latencies: latencies);
        using var end = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        end.CancelAfter(options.Duration);
        var watching = viewer.RunAsync(end.Token);

        // The startup window is the smaller of the timeout and the test itself: a byte after the close is never seen.
        using var startupWindow = CancellationTokenSource.CreateLinkedTokenSource(end.Token);
        var startupTimer = Task.Delay(options.StartupTimeout, startupWindow.Token);
        await Task.WhenAny(viewer.Result.FirstByte, watching, startupTimer);
        await startupWindow.CancelAsync();
        var startedInTime = viewer.Result.FirstByte.IsCompleted;
        if (!startedInTime)
        {
            await end.CancelAsync();
        }
        var window = Ms(options.StartupTimeout < options.Duration ? options.StartupTimeout : options.Duration);

        try
        {
            await watching;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // Only the connect itself throws on cancellation: castd did not even accept within the window.
            return Judge($"no connection within {window} ms", viewer.Result, latencies);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return Judge($"stream {options.StreamHost}:{options.StreamPort}: {e.Message}", viewer.Result, latencies);
        }
        stopping.ThrowIfCancellationRequested();

        var result = viewer.Result;
        var failure = result switch
        {
            { Refusal: { } refusal } => $"refused: {refusal}",
            // Before the timeout arm: a stream castd closes before its first byte was closed, not slow.
            { ClosedByServer: true } => $"closed by castd after {result.Packets} packets",
            _ when !startedInTime => $"no stream byte within {window} ms",
            { Packets: 0 } => "no packets",
            _ => null,
        };
        return Judge(failure, result, latencies);
    }

    /// <returns>Null when registered, else the reason.</returns>
    private async Task<string?> RegisterAsync(CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(options.StartupTimeout);
        try
        {
            using var response = await http.PostAsync("/register", new StringContent(options.User), timeout.Token);
            return response.IsSuccessStatusCode
                ? null
                : $"register {options.User}: HTTP {(int)response.StatusCode} {(await response.Content.ReadAsStringAsync(timeout.Token)).Trim()}";
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return $"register {options.User}: no answer within {Ms(options.StartupTimeout)} ms";
        }
        catch (HttpRequestException e)
        {
            return $"register {options.User}: {e.Message}";
        }
    }

    /// <param name="latencies">castload's stamp gives source → here; payloads without it castd's receive time → here.</param>
    private StreamTestResult Judge(string? failure, ViewerResult? seen, LatencyRecorder? latencies)
    {
        if (seen is null || latencies is null)
        {
            return new StreamTestResult(failure, null, [], null, 0, 0, 0);
        }
        latencies.Stop();
        var recorded = latencies.Merged().RecordedValues().Select(v => (v.ValueIteratedTo, v.CountAtValueIteratedTo)).ToList();
        var startup = seen.Refusal is null && seen.FirstByteMs is { } ms ? ms / 1000 : (double?)null;
        return new StreamTestResult(failure, startup, recorded, latencies.Summarize().P50Ms / 1000, seen.Packets, seen.Gaps,
            seen.Packets * options.PacketDuration.TotalSeconds);
    }

    private static string Ms(TimeSpan span) => span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
}
