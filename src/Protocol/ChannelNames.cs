namespace Castd.Protocol;

/// <summary>
/// What a viewer may ask to watch (docs/viewers.md): any name of 1 to 64 printable ASCII characters. Only a name that is
/// a <see cref="ChannelId"/> (exactly six) can ever go live; older clients ask for others (the original demo client's
/// <c>unknown</c>), which are accepted and simply receive nothing.
/// </summary>
public static class ChannelNames
{
    /// <summary>As long as a user id: room for a descriptive name, short enough for keys and log lines.</summary>
    public const int MaxLength = 64;

    public const string Rule = "1 to 64 printable ASCII characters (a live channel id has six)";

    public static bool IsValid(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty || name.Length > MaxLength)
        {
            return false;
        }
        foreach (var b in name)
        {
            if (b is < 0x21 or > 0x7E)
            {
                return false;
            }
        }
        return true;
    }
}
