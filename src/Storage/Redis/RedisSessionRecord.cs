using System.Globalization;
using Castd.Storage.Sessions;

namespace Castd.Storage.Redis;

/// <summary>A session as the scripts store it: <c>status|kind|since-ms|key</c>, status <c>a</c>ctive or <c>d</c>ropped,
/// kind <c>h</c>ttp or <c>s</c>tream; the key comes last because a stream id may contain anything printable.</summary>
internal static class RedisSessionRecord
{
    public static SessionInfo Parse(string id, string account, string record)
    {
        var parts = record.Split('|', 4);
        return new SessionInfo(
            id,
            account,
            parts[1] == "h" ? SessionKind.Http : SessionKind.Stream,
            parts[3],
            parts[0] == "a" ? SessionStatus.Active : SessionStatus.Dropped,
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[2], CultureInfo.InvariantCulture)));
    }

    public static string Format(SessionInfo session) => string.Create(CultureInfo.InvariantCulture,
        $"{(session.Status == SessionStatus.Active ? 'a' : 'd')}|{(session.Kind == SessionKind.Http ? 'h' : 's')}|{session.Since.ToUnixTimeMilliseconds()}|{session.Key}");
}
