namespace Castd.Daemon.Auth;

/// <summary>Credentials refused, by reason, for /healthz and /metrics; every reason starts at 0 so its series exists.</summary>
internal sealed class AuthCounters
{
    private readonly long[] _refusals = new long[Enum.GetValues<AuthFailure>().Length];

    public void Count(AuthFailure failure) => Interlocked.Increment(ref _refusals[(int)failure]);

    public IReadOnlyDictionary<string, long> Refusals =>
        Enum.GetValues<AuthFailure>().Where(f => f != AuthFailure.None)
            .ToDictionary(f => f.ToString(), f => Interlocked.Read(ref _refusals[(int)f]));
}
