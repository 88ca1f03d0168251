namespace Castd.Storage;

/// <param name="Redis">A StackExchange.Redis configuration string (CASTD_REDIS); null or empty for the embedded store.</param>
/// <param name="DataDirectory">RocksDB's directory when <paramref name="Redis"/> is unset.</param>
public sealed record StateBackendOptions(string? Redis, string DataDirectory, int MaxStreamsPerUser, TimeSpan SessionTtl, TimeProvider Time);
