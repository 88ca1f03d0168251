using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Castd.Storage.Chat;
using StackExchange.Redis;

namespace Castd.Storage.Redis;

/// <summary>
/// Chat across the fleet (docs/fleet.md): a handle's connections are leases in one sorted set (the per-handle limit, exact
/// fleet-wide), and frames travel over sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7): on a cluster a channel lives on
/// the node of its slot, so a message crosses one shard instead of being broadcast to every node as classic pub/sub is.
/// Each castd subscribes only to the handles and rooms it has connections in.
/// </summary>
/// <remarks>A publication is <c>writer-length (1 byte) | writer | frame</c>, so the castd that sent it skips it.</remarks>
internal sealed class RedisChatBus : IChatBus, IAsyncDisposable
{
    private readonly IDatabase _db;
    private readonly ISubscriber _subscriber;
    private readonly byte[] _writer;
    private readonly string _claimPrefix;
    private readonly RedisValue _ttl;
    private readonly ConcurrentDictionary<string, ChatClaim> _claims = new(StringComparer.Ordinal);
    private readonly Dictionary<(ChatTopic, string), int> _subscriptions = [];
    private readonly LeaseRenewal _renewal;
    private Action<ChatTopic, string, ReadOnlyMemory<byte>>? _received;
    private long _nextId;

    public RedisChatBus(IConnectionMultiplexer redis, string writer, TimeSpan ttl, TimeProvider time)
    {
        _db = redis.GetDatabase();
        _subscriber = redis.GetSubscriber();
        _writer = Encoding.ASCII.GetBytes(writer);
        _claimPrefix = writer + ":";
        _ttl = (long)ttl.TotalMilliseconds;
        _renewal = new LeaseRenewal(ttl, time, RenewClaimsAsync);
    }

    public async ValueTask<ChatClaim?> TryClaimAsync(string handle, int limit)
    {
        var claim = new ChatClaim(handle, string.Create(CultureInfo.InvariantCulture, $"{_claimPrefix}{Interlocked.Increment(ref _nextId):x}"));
        if ((long)await EvaluateAsync("claim a chat connection", RedisScripts.ClaimChat, handle, [claim.Id, limit, _ttl]) == 0)
        {
            return null;
        }
        _claims[claim.Id] = claim;
        return claim;
    }

    public void Release(ChatClaim claim)
    {
        if (!_claims.TryRemove(claim.Id, out var held))
        {
            return;
        }
        // Under the claim's lock, so a renewal that read it before the removal cannot be queued after this and revive it.
        lock (held)
        {
            try
            {
                _ = _db.SortedSetRemoveAsync(RedisKeys.ChatClaims(claim.Handle), claim.Id, CommandFlags.FireAndForget);
            }
            catch (Exception e) when (RedisFailure.Is(e))
            {
                // Not renewed any more: the claim runs out within the TTL.
            }
        }
    }

    public async ValueTask<bool> IsOnlineElsewhereAsync(string handle) =>
        (long)await EvaluateAsync("look a handle up", RedisScripts.CountChatElsewhere, handle, [_claimPrefix]) > 0;

    public void Listen(Action<ChatTopic, string, ReadOnlyMemory<byte>> received) => _received = received;

    public void Subscribe(ChatTopic topic, string name)
    {
        lock (_subscriptions)
        {
            var count = _subscriptions.GetValueOrDefault((topic, name));
            if (count == 0)
            {
                // Issued in order under the lock, so a later unsubscribe cannot overtake it. Unreachable, the multiplexer
                // keeps the subscription in its table and makes it when it reconnects.
                Forget(() => _subscriber.SubscribeAsync(Channel(topic, name), (_, message) => OnMessage(topic, name, message)));
            }
            _subscriptions[(topic, name)] = count + 1;
        }
    }

    public void Unsubscribe(ChatTopic topic, string name)
    {
        lock (_subscriptions)
        {
            var count = _subscriptions.GetValueOrDefault((topic, name));
            if (count > 1)
            {
                _subscriptions[(topic, name)] = count - 1;
                return;
            }
            _subscriptions.Remove((topic, name));
            // StackExchange.Redis forgets the subscription even when Redis cannot be told, and does not restore it.
            Forget(() => _subscriber.UnsubscribeAsync(Channel(topic, name), flags: CommandFlags.FireAndForget));
        }
    }

    public Task PublishAsync(ChatTopic topic, ReadOnlySpan<byte> name, ReadOnlySpan<byte> frame)
    {
        var message = new byte[1 + _writer.Length + frame.Length];
        message[0] = (byte)_writer.Length;
        _writer.CopyTo(message, 1);
        frame.CopyTo(message.AsSpan(1 + _writer.Length));
        return PublishAsync(Channel(topic, Encoding.ASCII.GetString(name)), message);
    }

    public ValueTask DisposeAsync() => _renewal.DisposeAsync();

    private async Task PublishAsync(RedisChannel channel, byte[] message)
    {
        try
        {
            await _subscriber.PublishAsync(channel, message);
        }
        catch (Exception e) when (RedisFailure.Is(e))
        {
            throw RedisFailure.Of("publish a chat message", e);
        }
    }

    /// <summary>Starts a call nobody waits for; a failure (Redis unreachable) is observed and dropped.</summary>
    private static void Forget(Func<Task> start)
    {
        try
        {
            start().ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        catch (Exception e) when (RedisFailure.Is(e))
        {
        }
    }

    private void OnMessage(ChatTopic topic, string name, RedisValue message)
    {
        ReadOnlyMemory<byte> bytes = (byte[])message!;
        var span = bytes.Span;
        if (span.Length == 0 || span.Length < 1 + span[0])
        {
            return;
        }
        var writer = span.Slice(1, span[0]);
        if (!writer.SequenceEqual(_writer))
        {
            _received?.Invoke(topic, name, bytes[(1 + writer.Length)..]);
        }
    }

    private async Task<RedisResult> EvaluateAsync(string operation, string script, string handle, RedisValue[] values)
    {
        try
        {
            return await _db.ScriptEvaluateAsync(script, [RedisKeys.ChatClaims(handle)], values);
        }
        catch (Exception e) when (RedisFailure.Is(e))
        {
            throw RedisFailure.Of(operation, e);
        }
    }

    private async Task RenewClaimsAsync()
    {
        // The claim script with no effective limit: a held claim is renewed, one that ran out is put back.
        var renewals = new List<Task>(_claims.Count);
        foreach (var claim in _claims.Values)
        {
            lock (claim)
            {
                if (_claims.ContainsKey(claim.Id))
                {
                    renewals.Add(_db.ScriptEvaluateAsync(RedisScripts.ClaimChat, [RedisKeys.ChatClaims(claim.Handle)], [claim.Id, int.MaxValue, _ttl]));
                }
            }
        }
        await Task.WhenAll(renewals);
    }

    private static RedisChannel Channel(ChatTopic topic, string name) => RedisChannel.Sharded(RedisKeys.ChatChannel(topic, name));
}
