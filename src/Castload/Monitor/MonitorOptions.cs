namespace Castd.Castload.Monitor;

/// <param name="Http">castd's HTTP endpoint (host:port), where the monitor registers its user before each test.</param>
/// <param name="StreamHost">castd's viewer stream host (docs/viewers.md).</param>
/// <param name="User">The monitor's own account; registered on every test (idempotent), so a wiped castd is fine.</param>
/// <param name="Channel">The channel the test streams watch.</param>
/// <param name="Duration">How long one test watches before it closes the stream.</param>
/// <param name="StartupTimeout">The most a test may wait from connect to the first stream byte (also bounds registration).</param>
/// <param name="Grace">Pause after each test, the last one included, so a scraper sees its result and the idle gauge.</param>
/// <param name="Iterations">Tests to run; 0 = until Ctrl-C or SIGTERM.</param>
/// <param name="PacketDuration">Media time one packet carries (20 ms for 7 TS packets of a 50 packets/s stream).</param>
/// <param name="MetricsHost">Address the /metrics server listens on.</param>
internal sealed record MonitorOptions(
    string Http,
    string StreamHost,
    int StreamPort,
    string User,
    string Channel,
    TimeSpan Duration,
    TimeSpan StartupTimeout,
    TimeSpan Grace,
    int Iterations,
    TimeSpan PacketDuration,
    string MetricsHost,
    int MetricsPort);
