namespace Castd.Castload.Source;

/// <summary>
/// What <c>castload source --faults</c> does to castd now and then (issue 9), one at a time. The stream goes on over
/// castd's next connection with its numbering and clock continuing, and a frame a fault cut is sent again whole, so a
/// fault costs castd nothing it cannot get back, but the numbers a jump skips.
/// </summary>
internal enum SourceFault
{
    /// <summary>Closes the connection cleanly between two frames.</summary>
    HangUp,

    /// <summary>Sends half a frame, then nothing, with the connection open, until castd gives up on it.</summary>
    Stall,

    /// <summary>Sends half a frame, then closes.</summary>
    Truncate,

    /// <summary>Sends a header whose channel id is control bytes (docs/source.md: printable ASCII), until castd hangs up.</summary>
    Garbage,

    /// <summary>Sends a header declaring a 4 GiB payload, past any castd's cap, until castd hangs up.</summary>
    Oversize,

    /// <summary>One channel sends nothing for <see cref="FaultPlan.SilenceLength"/>, then goes on where its numbering stopped.</summary>
    Silence,

    /// <summary>One channel's numbering jumps <see cref="FaultPlan.JumpLength"/> ahead: those numbers are lost.</summary>
    Jump,
}

internal static class SourceFaults
{
    public static IReadOnlyList<SourceFault> All { get; } = Enum.GetValues<SourceFault>();

    private static readonly Dictionary<string, SourceFault> ByName = All.ToDictionary(f => f.Name());

    /// <summary>Every fault's name, comma-separated, as <c>--faults</c> takes them.</summary>
    public static string Names { get; } = string.Join(',', All.Select(f => f.Name()));

    /// <summary>True for the faults that end the connection; the others touch one channel only.</summary>
    public static bool EndsConnection(this SourceFault fault) => fault is not (SourceFault.Silence or SourceFault.Jump);

    public static string Name(this SourceFault fault) => fault.ToString().ToLowerInvariant();

    /// <summary>"all", or a comma-separated list of <see cref="Name"/>s; null and the unknown name when one is not a fault.</summary>
    public static IReadOnlyList<SourceFault>? Parse(string text, out string? unknown)
    {
        unknown = null;
        if (text.Length == 0)
        {
            return [];
        }
        if (text == "all")
        {
            return All;
        }
        var faults = new List<SourceFault>();
        foreach (var name in text.Split(','))
        {
            if (!ByName.TryGetValue(name, out var fault))
            {
                unknown = name;
                return null;
            }
            faults.Add(fault);
        }
        return faults;
    }
}
