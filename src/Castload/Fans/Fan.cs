using System.Diagnostics;
using Castd.Castload.View;

namespace Castd.Castload.Fans;

/// <summary>One fan: a viewer of the channel under one account, sampled for progress while it watches.</summary>
internal sealed class Fan(long number, string account, StreamViewer viewer, FanChatter? chatter)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private (long Count, long SumMicros) _lastLatency;
    private readonly Lock _sampleLock = new();
    private bool _startupReported;

    public long Number { get; } = number;

    public string Account { get; } = account;

    public double Seconds => Stopwatch.GetElapsedTime(_started).TotalSeconds;

    /// <summary>Watches (and chats) until castd ends the stream or <paramref name="stop"/> fires.</summary>
    /// <returns>Why the fan ended on its own, or null when it was stopped.</returns>
    public async Task<string?> RunAsync(CancellationToken stop)
    {
        using var chatStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var chatting = chatter?.RunAsync(chatStop.Token) ?? Task.CompletedTask;
        string? reason;
        try
        {
            await viewer.RunAsync(stop);
            var result = viewer.Result;
            reason = result.Refusal is { } refusal ? Refused(refusal)
                : result.ClosedByServer ? "closed by castd"
                : null;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
        {
            reason = $"connection failed: {FanRecord.Field(ex.Message)}";
        }
        await chatStop.CancelAsync();
        await chatting;
        return stop.IsCancellationRequested ? null : reason;
    }

    /// <summary>"refused 429: stream limit reached…": the code first, so reasons group by it.</summary>
    private static string Refused(string errLine) => errLine.Split(' ', 3) is ["ERR", var code, var text]
        ? $"refused {code}: {FanRecord.Field(text)}"
        : $"refused: {FanRecord.Field(errLine)}";

    /// <summary>This fan's progress lines since the previous sample (the sampler's, or the fan's own last one).</summary>
    public List<FanRecord> Sample(FansOptions options)
    {
        lock (_sampleLock)
        {
            var into = new List<FanRecord>(6);
            SampleInto(options, into);
            return into;
        }
    }

    private void SampleInto(FansOptions options, List<FanRecord> into)
    {
        var seconds = Seconds;
        var result = viewer.Result;
        if (!_startupReported && result.FirstByteMs is { } startup)
        {
            _startupReported = true;
            into.Add(FanRecord.Of(Number, seconds, FanMetrics.StartupMs, startup));
        }
        var bytes = result.Bytes;
        var packets = options.Raw ? (double)bytes / options.PacketBytes : result.Packets;
        into.Add(FanRecord.Of(Number, seconds, FanMetrics.KiloBytes, bytes / 1000.0));
        into.Add(FanRecord.Of(Number, seconds, FanMetrics.MediaSeconds, packets * options.PacketMs / 1000));
        var latency = result.Latency;
        if (latency.Count > _lastLatency.Count)
        {
            into.Add(FanRecord.Of(Number, seconds, FanMetrics.LatencyMs,
                (latency.SumMicros - _lastLatency.SumMicros) / 1000.0 / (latency.Count - _lastLatency.Count)));
            _lastLatency = latency;
        }
        if (chatter is not null)
        {
            into.Add(FanRecord.Of(Number, seconds, FanMetrics.ChatSent, chatter.Sent));
            into.Add(FanRecord.Of(Number, seconds, FanMetrics.ChatReceived, chatter.Received));
        }
    }
}
