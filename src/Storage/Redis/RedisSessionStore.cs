using System.Collections.Concurrent;
using System.Globalization;
using Castd.Storage.Sessions;
using StackExchange.Redis;

namespace Castd.Storage.Redis;

/// <summary>
/// <see cref="ISessionStore"/> for a fleet: every session is a lease in Redis under its account's hash tag, and each
/// admission, heartbeat and close is one script, one round trip, so the limit holds exactly across every castd that
/// shares the Redis. Stream viewers' leases are renewed by the castd they are connected to, so a castd that dies
/// leaves leases that run out within the TTL.
/// </summary>
/// <remarks>
/// HTTP session ids are <c>h:</c> + stream id, so a PUT, heartbeat or DELETE on any castd finds the same session.
/// <see cref="CountActive"/> and <see cref="DroppedTotal"/> are this castd's share (its viewers, its refusals):
/// summing them over the fleet is the monitoring system's job, not a scan of Redis per scrape.
/// </remarks>
internal sealed class RedisSessionStore : ISessionStore, IAsyncDisposable
{
    private readonly IDatabase _db;
    private readonly string _writer;
    private readonly RedisValue _limit;
    private readonly RedisValue _ttl;
    private readonly ConcurrentDictionary<string, ViewerLease> _viewers = new(StringComparer.Ordinal);
    private readonly LeaseRenewal _renewal;
    private long _nextId;
    private long _dropped;

    public RedisSessionStore(IDatabase db, string writer, int limit, TimeSpan ttl, TimeProvider time)
    {
        (_db, _writer, _limit, _ttl) = (db, writer, limit, (long)ttl.TotalMilliseconds);
        _renewal = new LeaseRenewal(ttl, time, RenewViewersAsync);
    }

    public long DroppedTotal => Interlocked.Read(ref _dropped);

    public int CountActive() => _viewers.Count;

    public ValueTask<SessionInfo> OpenHttpAsync(string account, string streamId) => OpenAsync(account, "h:" + streamId, "h", streamId);

    public async ValueTask<SessionInfo?> HeartbeatAsync(string account, string streamId)
    {
        var id = "h:" + streamId;
        var record = await EvaluateAsync("renew a session", RedisScripts.Heartbeat, account, [id, _ttl]);
        return record.IsNull ? null : RedisSessionRecord.Parse(id, account, (string)record!);
    }

    public async ValueTask<bool> CloseHttpAsync(string account, string streamId) =>
        (long)await EvaluateAsync("end a session", RedisScripts.Close, account, ["h:" + streamId]) == 1;

    public async ValueTask<SessionInfo> OpenStreamAsync(string account, string channel)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"s:{_writer}:{Interlocked.Increment(ref _nextId):x}");
        var session = await OpenAsync(account, id, "s", channel);
        if (session.Status == SessionStatus.Active)
        {
            _viewers[id] = new ViewerLease(account, RedisSessionRecord.Format(session));
        }
        return session;
    }

    /// <summary>Ends the lease now if Redis answers; if not, the lease is no longer renewed and runs out within the TTL.</summary>
    public void CloseStream(SessionInfo session)
    {
        if (!_viewers.TryRemove(session.Id, out var lease))
        {
            return;
        }
        // Under the lease's lock, so a renewal that read it before the removal cannot be queued after the close
        // (one slot is one connection: Redis runs them in the order they were queued) and revive it.
        lock (lease)
        {
            lease.Closed = true;
            try
            {
                _ = _db.ScriptEvaluateAsync(RedisScripts.Close, Keys(session.Account), [session.Id], CommandFlags.FireAndForget);
            }
            catch (Exception e) when (RedisFailure.Is(e))
            {
            }
        }
    }

    public async ValueTask<IReadOnlyList<SessionInfo>> ListAsync(string account)
    {
        var fields = (RedisValue[])(await EvaluateAsync("list sessions", RedisScripts.List, account, []))!;
        var sessions = new List<SessionInfo>(fields.Length / 2);
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            sessions.Add(RedisSessionRecord.Parse(fields[i]!, account, fields[i + 1]!));
        }
        sessions.Sort((a, b) => a.Since.CompareTo(b.Since));
        return sessions;
    }

    /// <summary>Redis expires leases itself; nothing here holds memory for a session that ended.</summary>
    public int Sweep() => 0;

    public ValueTask DisposeAsync() => _renewal.DisposeAsync();

    private async ValueTask<SessionInfo> OpenAsync(string account, string id, string kind, string key)
    {
        var session = RedisSessionRecord.Parse(id, account, (string)(await EvaluateAsync("open a session", RedisScripts.Open, account, [id, kind, key, _limit, _ttl]))!);
        if (session.Status == SessionStatus.Dropped)
        {
            Interlocked.Increment(ref _dropped);
        }
        return session;
    }

    private async Task<RedisResult> EvaluateAsync(string operation, string script, string account, RedisValue[] values)
    {
        try
        {
            return await _db.ScriptEvaluateAsync(script, Keys(account), values);
        }
        catch (Exception e) when (RedisFailure.Is(e))
        {
            throw RedisFailure.Of(operation, e);
        }
    }

    private async Task RenewViewersAsync()
    {
        var renewals = new List<Task>(_viewers.Count);
        foreach (var (id, lease) in _viewers)
        {
            lock (lease)
            {
                if (!lease.Closed)
                {
                    renewals.Add(_db.ScriptEvaluateAsync(RedisScripts.Renew, Keys(lease.Account), [id, _ttl, lease.Record]));
                }
            }
        }
        await Task.WhenAll(renewals);
    }

    private sealed class ViewerLease(string account, RedisValue record)
    {
        public string Account { get; } = account;
        public RedisValue Record { get; } = record;
        public bool Closed { get; set; }
    }

    private static RedisKey[] Keys(string account) =>
        [RedisKeys.LiveSessions(account), RedisKeys.DroppedSessions(account), RedisKeys.SessionRecords(account)];
}
