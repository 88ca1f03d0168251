namespace Castd.Castload.View;

/// <param name="Count">Parallel connections of the same user and channel (a load test); 1 for a plain viewer.</param>
/// <param name="Output">File for the received stream (raw bytes, or payloads only in framed mode); one viewer only.</param>
/// <param name="Duration">How long to watch; zero means until the stream ends or Ctrl-C.</param>
/// <param name="Ramp">Time between one viewer's start and the next's; zero starts them all at once.</param>
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
    bool FastStart);
