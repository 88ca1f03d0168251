using System.Globalization;
using StackExchange.Redis;

namespace Castd.Storage.Redis;

/// <summary>
/// Registrations and watch-time buckets in Redis (docs/fleet.md), the same minute buckets as the embedded store, so the
/// 24-hour window is exact to the minute. A user's buckets live in one hash per hour that Redis expires a day after
/// the hour ends, so nothing needs pruning.
/// </summary>
internal sealed class RedisStateStore(IDatabase db, string writer) : IStateStore
{
    private const int HourSeconds = 3600;

    public async ValueTask<bool> RegisterAsync(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        try
        {
            return await db.StringSetAsync(RedisKeys.Registration(userId), RedisValue.EmptyString, when: When.NotExists);
        }
        catch (Exception e) when (RedisFailure.Is(e))
        {
            throw RedisFailure.Of("register a user", e);
        }
    }

    public async ValueTask<bool> IsRegisteredAsync(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        try
        {
            return await db.KeyExistsAsync(RedisKeys.Registration(userId));
        }
        catch (Exception e) when (RedisFailure.Is(e))
        {
            throw RedisFailure.Of("read a registration", e);
        }
    }

    /// <remarks>
    /// One script per user (a user's keys share a slot; users in one batch usually do not), all in flight at once.
    /// When some fail the whole call throws and the caller retries the same batch: the users already written skip it
    /// because the script records this writer's batch number beside their usage, in the same atomic step.
    /// </remarks>
    public async ValueTask AddUsageAsync(IReadOnlyList<UsageRecord> records, long batchId)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            ArgumentException.ThrowIfNullOrEmpty(record.UserId, nameof(records));
            ArgumentNullException.ThrowIfNull(record.Channel, nameof(records));
            ArgumentOutOfRangeException.ThrowIfNegative(record.Bucket, nameof(records));
            ArgumentOutOfRangeException.ThrowIfNegative(record.Milliseconds, nameof(records));
        }
        var writes = records.GroupBy(r => r.UserId, StringComparer.Ordinal)
            .Select(user => UserBatch(user.Key, [.. user], batchId))
            .Select(batch => db.ScriptEvaluateAsync(RedisScripts.AddUsage, batch.Keys, batch.Values))
            .ToArray();
        try
        {
            await Task.WhenAll(writes);
        }
        catch (Exception e) when (RedisFailure.Is(e))
        {
            throw RedisFailure.Of("add usage", e);
        }
    }

    public async ValueTask<IReadOnlyDictionary<string, long>> GetUsageAsync(string userId, long sinceBucket)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var since = Math.Max(sinceBucket, 0);
        var first = HourOf(since);
        var last = HourOf(since + (long)UsageBuckets.Window.TotalSeconds);
        var keys = new RedisKey[(last - first) / HourSeconds + 1];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = RedisKeys.UsageHour(userId, first + i * HourSeconds);
        }
        RedisResult[] hours;
        try
        {
            hours = (RedisResult[])(await db.ScriptEvaluateAsync(RedisScripts.GetUsage, keys))!;
        }
        catch (Exception e) when (RedisFailure.Is(e))
        {
            throw RedisFailure.Of("read usage", e);
        }
        var usage = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var hour in hours)
        {
            var fields = (RedisValue[])hour!;
            for (var i = 0; i + 1 < fields.Length; i += 2)
            {
                var (bucket, channel) = ParseField(fields[i]!);
                if (bucket >= since)
                {
                    usage[channel] = usage.GetValueOrDefault(channel) + (long)fields[i + 1];
                }
            }
        }
        return usage;
    }

    /// <summary>Redis expires each hour of usage a day after it ends (EXPIREAT in the write script).</summary>
    public ValueTask<int> PruneUsageAsync(long beforeBucket) => ValueTask.FromResult(0);

    public void Dispose()
    {
    }

    private (RedisKey[] Keys, RedisValue[] Values) UserBatch(string user, UsageRecord[] records, long batchId)
    {
        var hours = records.Select(r => HourOf(r.Bucket)).Distinct().Order().ToList();
        var keys = new RedisKey[1 + hours.Count];
        keys[0] = RedisKeys.UsageApplied(user);
        var values = new RedisValue[2 + hours.Count + 3 * records.Length];
        values[0] = writer;
        values[1] = batchId;
        for (var i = 0; i < hours.Count; i++)
        {
            keys[1 + i] = RedisKeys.UsageHour(user, hours[i]);
            // A day after the hour ends, plus a bucket: its last minute is still inside a window read then.
            values[2 + i] = hours[i] + HourSeconds + (long)UsageBuckets.Window.TotalSeconds + UsageBuckets.Seconds;
        }
        var next = 2 + hours.Count;
        foreach (var record in records)
        {
            values[next++] = hours.IndexOf(HourOf(record.Bucket)) + 1;
            values[next++] = string.Create(CultureInfo.InvariantCulture, $"{record.Bucket}:{record.Channel}");
            values[next++] = record.Milliseconds;
        }
        return (keys, values);
    }

    private static long HourOf(long bucket) => bucket / HourSeconds * HourSeconds;

    private static (long Bucket, string Channel) ParseField(string field)
    {
        var colon = field.IndexOf(':', StringComparison.Ordinal);
        return (long.Parse(field.AsSpan(0, colon), CultureInfo.InvariantCulture), field[(colon + 1)..]);
    }
}
