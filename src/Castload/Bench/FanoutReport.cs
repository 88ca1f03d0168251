using System.Globalization;
using System.Text.Json;

namespace Castd.Castload.Bench;

/// <summary>Prints a run for people (text) or for the comparison script (one JSON object on one line).</summary>
internal static class FanoutReport
{
    public static void Print(TextWriter output, FanoutResult result)
    {
        if (result.Options.Json)
        {
            output.WriteLine(ToJson(result));
            return;
        }
        var o = result.Options;
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"target:        {o.Target.ToString().ToLowerInvariant()} at {o.Host}:{o.Port}, {o.PayloadSize}-byte payloads, {(o.Rate > 0 ? $"{o.Rate:0} msg/s" : "max rate")}"));
        output.WriteLine(string.Create(inv, $"subscribers:   {result.Connected} of {o.Subscribers} connected{(result.ConnectFailure is null ? "" : $" (first failure: {result.ConnectFailure})")}"));
        output.WriteLine(string.Create(inv, $"measured:      {result.Seconds:0.00} s after a {o.Warmup.TotalSeconds:0.#} s warm-up"));
        output.WriteLine(string.Create(inv, $"published:     {result.PublishedPerSecond:#,0} msg/s{(result.PublisherFailure is null ? "" : $" (publisher stopped: {result.PublisherFailure})")}"));
        output.WriteLine(string.Create(inv, $"delivered:     {result.DeliveredMessagesPerSecond:#,0} msg/s, {result.DeliveredBytesPerSecond / 1e6:#,0.0} MB/s"));
        output.WriteLine(string.Create(inv, $"latency ms:    p50 {LatencySummary.Format(result.Latency.P50Ms)}  p99 {LatencySummary.Format(result.Latency.P99Ms)}  p99.9 {LatencySummary.Format(result.Latency.P999Ms)}  max {LatencySummary.Format(result.Latency.MaxMs)}"));
        output.WriteLine(string.Create(inv, $"disconnected:  {result.Disconnected}{(result.DisconnectReason is null ? "" : $" (e.g. {result.DisconnectReason})")}"));
        output.WriteLine(string.Create(inv, $"behind:        {result.Behind} (lagging real time by more than {o.Behind.TotalMilliseconds:0} ms)"));
    }

    private static string ToJson(FanoutResult result)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("target", result.Options.Target.ToString().ToLowerInvariant());
            json.WriteNumber("subscribers", result.Options.Subscribers);
            json.WriteNumber("connected", result.Connected);
            json.WriteNumber("payloadBytes", result.Options.PayloadSize);
            json.WriteNumber("rate", result.Options.Rate);
            json.WriteNumber("seconds", result.Seconds);
            json.WriteNumber("publishedPerSecond", result.PublishedPerSecond);
            json.WriteNumber("deliveredMessagesPerSecond", result.DeliveredMessagesPerSecond);
            json.WriteNumber("deliveredBytesPerSecond", result.DeliveredBytesPerSecond);
            result.Latency.WriteTo(json);
            json.WriteNumber("disconnected", result.Disconnected);
            json.WriteNumber("behind", result.Behind);
            json.WriteString("connectFailure", result.ConnectFailure);
            json.WriteString("disconnectReason", result.DisconnectReason);
            json.WriteString("publisherFailure", result.PublisherFailure);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
