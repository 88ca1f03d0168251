namespace Castd.Storage;

/// <param name="Redis">A StackExchange.Redis configuration string (CASTD_REDIS); null or empty for the embedded store.</param>
/// <param name="DataDirectory">RocksDB's directory when <paramref name="Redis"/> is unset.</param>
/// <param name="WriteBufferBytes">RocksDB's memtable size per column family when <paramref name="Redis"/> is unset.</param>
public sealed record StateBackendOptions(string? Redis, string DataDirectory, int WriteBufferBytes, int MaxStreamsPerUser, TimeSpan SessionTtl, TimeProvider Time);
