namespace Castd.Castload.View;

/// <param name="Channel">The channel, or a comma-separated list the viewers are spread over round-robin.</param>
/// <param name="Count">Parallel connections of the same user (a load test); 1 for a plain viewer.</param>
/// <param name="Output">File for the received stream (raw bytes, or payloads only in framed mode); one viewer only.</param>
/// <param name="Duration">How long to watch; zero means until the stream ends or Ctrl-C.</param>
/// <param name="Ramp">Time between one viewer's start and the next's; zero starts them all at once.</param>
/// <param name="Marks">Report in intervals marked by lines on stdin (<see cref="ViewIntervals"/>).</param>
/// <param name="Token">Every viewer's token (docs/security.md), or null.</param>
internal sealed record ViewOptions(
    string Host,
    int Port,
    string User,
    string Channel,
    bool Framed,
    int Count,
    string? Output,
    TimeSpan Duration,
    TimeSpan Ramp,
    bool FastStart,
    bool Marks,
    string? Token);
