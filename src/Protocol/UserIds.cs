namespace Castd.Protocol;

/// <summary>What a user id may be, for registration (docs/http.md) and the viewer handshake (docs/viewers.md).</summary>
public static class UserIds
{
    /// <summary>Long enough for e-mail-like handles and UUIDs; short enough to keep keys and log lines small.</summary>
    public const int MaxLength = 64;

    public const string Rule = "1 to 64 characters: ASCII letters, digits, '.', '_', '-' or '@'";

    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxLength)
        {
            return false;
        }
        foreach (var c in id)
        {
            if (!IsAllowed(c))
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsValid(ReadOnlySpan<byte> id)
    {
        if (id.IsEmpty || id.Length > MaxLength)
        {
            return false;
        }
        foreach (var b in id)
        {
            if (!IsAllowed((char)b))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@';
}
