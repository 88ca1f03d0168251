namespace Castd.Storage;

/// <summary>Watch time is kept per user, channel and minute, so the 24-hour window is exact to the minute (docs/http.md).</summary>
public static class UsageBuckets
{
    public const int Seconds = 60;

    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    public static long Of(DateTimeOffset time) => time.ToUnixTimeSeconds() / Seconds * Seconds;

    /// <summary>The first bucket inside the window that ends at <paramref name="now"/>.</summary>
    public static long WindowStart(DateTimeOffset now) => Of(now - Window) + Seconds;
}
