using System.Text.Json;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>One channel's entry in the body of castd's <c>/healthz</c>.</summary>
internal static class HealthChannels
{
    /// <summary>The channel's entry; throws unless castd lists it exactly once.</summary>
    public static JsonElement Channel(JsonElement health, string id) => Entries(health, id).Single();

    /// <summary>Whether castd has seen the channel.</summary>
    public static bool Known(JsonElement health, string id) => Entries(health, id).Any();

    /// <summary>Packets the channel released to its viewers so far; 0 while castd has not seen it.</summary>
    public static long Released(JsonElement health, string id) => Entries(health, id).Sum(c => c.GetProperty("released").GetInt64());

    private static IEnumerable<JsonElement> Entries(JsonElement health, string id) =>
        health.GetProperty("channels").EnumerateArray().Where(c => c.GetProperty("id").GetString() == id);
}
