namespace Castd.Castload.Chat;

/// <param name="Server">castd's HTTP endpoint, host:port.</param>
/// <param name="UserCount">Chat connections this process opens, one user each.</param>
/// <param name="FirstUser">Number of this process's first user (users are named chat{n}).</param>
/// <param name="Population">Recipients are drawn from users 0..Population-1 (other processes may hold them).</param>
/// <param name="Rate">Direct messages per second per user; 0 = as fast as acks come back.</param>
/// <param name="Duration">Measured time, after every user has connected.</param>
/// <param name="Json">Report as one JSON line (for bench/chat/run.py).</param>
internal sealed record ChatOptions(string Server, int UserCount, int FirstUser, int Population, double Rate, TimeSpan Duration, bool Json)
{
    /// <summary>At max rate, messages a user may have in flight without an ack (castd cuts clients that fall far behind).</summary>
    public const int Window = 96;

    public static string Handle(int user) => $"chat{user}";
}
