using System.Globalization;
using System.Text.Json;
using Castd.Castload.Bench;

namespace Castd.Castload.Chat;

/// <summary>What a chat load run observed, over the measured time only.</summary>
internal sealed record ChatResult(ChatOptions Options, int Users, double Seconds, long Messages, long Acks, long Errors, int Cut, string? FirstCut, LatencySummary Latency)
{
    public double FramesPerSecond => (Messages + Acks) / Seconds;

    public double MessagesPerSecond => Messages / Seconds;

    public double AcksPerSecond => Acks / Seconds;
}

/// <summary>Prints a chat run for people (text) or for bench/chat/run.py (one JSON object on one line).</summary>
internal static class ChatReport
{
    public static void Print(TextWriter output, ChatResult result)
    {
        if (result.Options.Json)
        {
            output.WriteLine(ToJson(result));
            return;
        }
        var o = result.Options;
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"users:       {result.Users} (population {o.Population}), {(o.Rate > 0 ? $"{o.Rate} msg/s each" : "max rate")}, {result.Seconds:0.0} s measured"));
        output.WriteLine(string.Create(inv, $"frames/s:    {result.FramesPerSecond:#,0} (messages {result.MessagesPerSecond:#,0}, acks {result.AcksPerSecond:#,0})"));
        output.WriteLine(string.Create(inv, $"latency ms:  p50 {LatencySummary.Format(result.Latency.P50Ms)}  p99 {LatencySummary.Format(result.Latency.P99Ms)}  max {LatencySummary.Format(result.Latency.MaxMs)}"));
        output.WriteLine(string.Create(inv, $"errors:      {result.Errors} answered, {result.Cut} users cut{(result.FirstCut is { } why ? $" (e.g. {why})" : "")}"));
    }

    private static string ToJson(ChatResult result)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("users", result.Users);
            json.WriteNumber("population", result.Options.Population);
            json.WriteNumber("rate", result.Options.Rate);
            json.WriteNumber("seconds", result.Seconds);
            json.WriteNumber("framesPerSecond", result.FramesPerSecond);
            json.WriteNumber("messagesPerSecond", result.MessagesPerSecond);
            json.WriteNumber("acksPerSecond", result.AcksPerSecond);
            result.Latency.WriteTo(json);
            json.WriteNumber("errors", result.Errors);
            json.WriteNumber("cut", result.Cut);
            json.WriteString("firstCut", result.FirstCut);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
