using System.Collections.Concurrent;

namespace Castd.Storage.Sessions;

/// <summary>
/// <see cref="ISessionStore"/> for one castd: per-account records under a per-account lock, leases measured on an
/// injected clock. Different accounts never contend.
/// </summary>
public sealed class InMemorySessionStore(int maxPerAccount, TimeSpan ttl, TimeProvider time) : ISessionStore
{
    private readonly ConcurrentDictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private long _nextId;
    private long _dropped;

    public long DroppedTotal => Interlocked.Read(ref _dropped);

    public int CountActive()
    {
        var now = time.GetUtcNow();
        var active = 0;
        foreach (var (_, sessions) in _accounts)
        {
            lock (sessions)
            {
                sessions.Expire(now, ttl);
                active += sessions.ActiveCount;
            }
        }
        return active;
    }

    public ValueTask<SessionInfo> OpenHttpAsync(string account, string streamId) =>
        InLiveAccount(account, (Store: this, Limit: maxPerAccount, Account: account, StreamId: streamId), static (sessions, now, s) =>
        {
            if (sessions.FindHttp(s.StreamId) is { } existing)
            {
                existing.LastSeen = now;
                return existing.Info;
            }
            var admitted = sessions.ActiveCount < s.Limit;
            return sessions.Add(s.Store.NewInfo(s.Account, SessionKind.Http, s.StreamId, now, admitted), now).Info;
        });

    public ValueTask<SessionInfo?> HeartbeatAsync(string account, string streamId) => ValueTask.FromResult(Heartbeat(account, streamId));

    private SessionInfo? Heartbeat(string account, string streamId)
    {
        if (!_accounts.TryGetValue(account, out var sessions))
        {
            return null;
        }
        lock (sessions)
        {
            var now = time.GetUtcNow();
            sessions.Expire(now, ttl);
            if (sessions.FindHttp(streamId) is not { } session)
            {
                return null;
            }
            session.LastSeen = now;
            return session.Info;
        }
    }

    public ValueTask<bool> CloseHttpAsync(string account, string streamId) => ValueTask.FromResult(CloseHttp(account, streamId));

    private bool CloseHttp(string account, string streamId)
    {
        if (!_accounts.TryGetValue(account, out var sessions))
        {
            return false;
        }
        lock (sessions)
        {
            sessions.Expire(time.GetUtcNow(), ttl);
            return sessions.FindHttp(streamId) is { } session && sessions.Remove(session);
        }
    }

    public ValueTask<SessionInfo> OpenStreamAsync(string account, string channel) =>
        InLiveAccount(account, (Store: this, Limit: maxPerAccount, Account: account, Channel: channel), static (sessions, now, s) =>
        {
            var admitted = sessions.ActiveCount < s.Limit;
            var info = s.Store.NewInfo(s.Account, SessionKind.Stream, s.Channel, now, admitted);
            // A refused viewer is closed at once, so only admitted ones are kept.
            return admitted ? sessions.Add(info, now).Info : info;
        });

    /// <summary>
    /// Runs <paramref name="open"/> under the account's lock, with its expired leases gone, on a record the sweeper
    /// has not retired (a retired one is already out of the map: take the fresh one). The state is passed through so
    /// the static callback allocates nothing.
    /// </summary>
    private ValueTask<SessionInfo> InLiveAccount<TState>(string account, TState state, Func<Account, DateTimeOffset, TState, SessionInfo> open)
    {
        while (true)
        {
            var sessions = _accounts.GetOrAdd(account, static _ => new Account());
            lock (sessions)
            {
                if (sessions.Retired)
                {
                    continue;
                }
                var now = time.GetUtcNow();
                sessions.Expire(now, ttl);
                return ValueTask.FromResult(open(sessions, now, state));
            }
        }
    }

    public void CloseStream(SessionInfo session)
    {
        if (_accounts.TryGetValue(session.Account, out var sessions))
        {
            lock (sessions)
            {
                sessions.Remove(session.Id);
            }
        }
    }

    public ValueTask<IReadOnlyList<SessionInfo>> ListAsync(string account)
    {
        if (!_accounts.TryGetValue(account, out var sessions))
        {
            return ValueTask.FromResult<IReadOnlyList<SessionInfo>>([]);
        }
        lock (sessions)
        {
            sessions.Expire(time.GetUtcNow(), ttl);
            return ValueTask.FromResult<IReadOnlyList<SessionInfo>>(sessions.Infos());
        }
    }

    public int Sweep()
    {
        var now = time.GetUtcNow();
        var swept = 0;
        foreach (var (name, sessions) in _accounts)
        {
            lock (sessions)
            {
                swept += sessions.Expire(now, ttl);
                if (sessions.IsEmpty)
                {
                    // Removed under its lock and marked: an opener that fetched it just before sees the mark and retries
                    // with a fresh record; every other caller treats a retired (hence empty) account as "no sessions".
                    sessions.Retired = true;
                    _accounts.TryRemove(new KeyValuePair<string, Account>(name, sessions));
                }
            }
        }
        return swept;
    }

    private SessionInfo NewInfo(string account, SessionKind kind, string key, DateTimeOffset now, bool admitted)
    {
        if (!admitted)
        {
            Interlocked.Increment(ref _dropped);
        }
        return new($"s{Interlocked.Increment(ref _nextId):x}", account, kind, key, admitted ? SessionStatus.Active : SessionStatus.Dropped, now);
    }

    /// <summary>One account's sessions; every member is used under the instance's lock.</summary>
    /// <remarks>Plain loops rather than LINQ or lambdas: a heartbeat runs here tens of thousands of times a second.</remarks>
    private sealed class Account
    {
        private readonly List<Session> _sessions = [];

        public bool Retired;

        public bool IsEmpty => _sessions.Count == 0;

        public int ActiveCount
        {
            get
            {
                var count = 0;
                foreach (var session in _sessions)
                {
                    if (session.Info.Status == SessionStatus.Active)
                    {
                        count++;
                    }
                }
                return count;
            }
        }

        public Session? FindHttp(string streamId)
        {
            foreach (var session in _sessions)
            {
                if (session.Info.Kind == SessionKind.Http && session.Info.Key == streamId)
                {
                    return session;
                }
            }
            return null;
        }

        public Session Add(SessionInfo info, DateTimeOffset now)
        {
            var session = new Session(info) { LastSeen = now };
            _sessions.Add(session);
            return session;
        }

        public bool Remove(Session session) => _sessions.Remove(session);

        public void Remove(string id)
        {
            for (var i = _sessions.Count - 1; i >= 0; i--)
            {
                if (_sessions[i].Info.Id == id)
                {
                    _sessions.RemoveAt(i);
                }
            }
        }

        /// <summary>Drops HTTP sessions whose lease ran out; stream sessions live until their viewer leaves.</summary>
        public int Expire(DateTimeOffset now, TimeSpan ttl)
        {
            var removed = 0;
            for (var i = _sessions.Count - 1; i >= 0; i--)
            {
                if (_sessions[i].Info.Kind == SessionKind.Http && now - _sessions[i].LastSeen >= ttl)
                {
                    _sessions.RemoveAt(i);
                    removed++;
                }
            }
            return removed;
        }

        public List<SessionInfo> Infos() => [.. _sessions.Select(s => s.Info)];
    }

    private sealed class Session(SessionInfo info)
    {
        public SessionInfo Info { get; } = info;
        public DateTimeOffset LastSeen { get; set; }
    }
}
