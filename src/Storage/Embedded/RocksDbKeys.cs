using System.Buffers.Binary;
using System.Text;

namespace Castd.Storage.Embedded;

/// <summary>The embedded store's key schema, in one place.</summary>
/// <remarks>
/// Column family <c>users</c>: key = user id (UTF-8), value empty.
/// Column family <c>usage</c>: key = user id (UTF-8) <c>\0</c> bucket (u64 big-endian) channel (UTF-8),
/// value = milliseconds (u64 little-endian). A user id never contains <c>\0</c> and big-endian buckets sort
/// numerically, so one user's buckets form one contiguous, time-ordered range that <c>user\0</c> prefixes
/// and <c>user-1</c> never reads <c>user-10</c>. Little-endian is the encoding of RocksDB's own
/// <c>uint64add</c> merge operator, so moving to merges later needs no migration.
/// Default column family: <c>castd:write-probe</c> only, written when the store recovers from failed writes.
/// </remarks>
internal static class RocksDbKeys
{
    public const string UsersFamily = "users";
    public const string UsageFamily = "usage";

    private const byte Separator = 0;
    private const int BucketBytes = sizeof(ulong);

    /// <summary>In the default column family, apart from the data: when the last recovery proved the disk takes writes again.</summary>
    public static readonly byte[] WriteProbe = "castd:write-probe"u8.ToArray();

    public static byte[] User(string userId)
    {
        Validate(userId);
        return Encoding.UTF8.GetBytes(userId);
    }

    /// <summary><c>user\0</c>: the prefix of every usage key of one user.</summary>
    public static byte[] UsagePrefix(string userId)
    {
        Validate(userId);
        var key = new byte[Encoding.UTF8.GetByteCount(userId) + 1];
        Encoding.UTF8.GetBytes(userId, key);
        key[^1] = Separator;
        return key;
    }

    /// <summary>The first key of <paramref name="userId"/>'s range at or after <paramref name="bucket"/>.</summary>
    public static byte[] UsageFrom(byte[] prefix, long bucket)
    {
        var start = new byte[prefix.Length + BucketBytes];
        prefix.CopyTo(start, 0);
        BinaryPrimitives.WriteUInt64BigEndian(start.AsSpan(prefix.Length), (ulong)Math.Max(bucket, 0));
        return start;
    }

    public static byte[] Usage(string userId, long bucket, string channel)
    {
        var userBytes = Encoding.UTF8.GetByteCount(userId);
        var key = new byte[userBytes + 1 + BucketBytes + Encoding.UTF8.GetByteCount(channel)];
        Encoding.UTF8.GetBytes(userId, key);
        key[userBytes] = Separator;
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(userBytes + 1), (ulong)bucket);
        Encoding.UTF8.GetBytes(channel, key.AsSpan(userBytes + 1 + BucketBytes));
        return key;
    }

    /// <summary>The channel of a usage key whose user prefix is <paramref name="prefixLength"/> bytes long.</summary>
    public static string ChannelOf(ReadOnlySpan<byte> usageKey, int prefixLength) =>
        Encoding.UTF8.GetString(usageKey[(prefixLength + BucketBytes)..]);

    public static ulong BucketOf(ReadOnlySpan<byte> usageKey) =>
        BinaryPrimitives.ReadUInt64BigEndian(usageKey[(usageKey.IndexOf(Separator) + 1)..]);

    public static ulong ReadMilliseconds(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadUInt64LittleEndian(value);

    public static void WriteMilliseconds(Span<byte> value, ulong milliseconds) => BinaryPrimitives.WriteUInt64LittleEndian(value, milliseconds);

    public static void Validate(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (userId.Contains('\0', StringComparison.Ordinal))
        {
            // The separator in usage keys; allowing it would let one user's range overlap another's.
            throw new ArgumentException("A user id cannot contain NUL.", nameof(userId));
        }
    }
}
