namespace Castd.Storage;

/// <param name="Bucket">Bucket start in Unix seconds, a multiple of <see cref="UsageBuckets.Seconds"/>.</param>
public readonly record struct UsageRecord(string UserId, string Channel, long Bucket, long Milliseconds);
