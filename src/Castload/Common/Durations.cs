using System.CommandLine.Parsing;
using System.Globalization;

namespace Castd.Castload.Common;

/// <summary>Parses the durations operators type: "500ms", "10s", "2m", "1h", or plain seconds ("30").</summary>
internal static class Durations
{
    public static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "0" : result.Tokens[0].Value;
        if (TryParse(text, out var value))
        {
            return value;
        }
        result.AddError($"'{text}' is not a duration: use e.g. 500ms, 10s, 2m, 1h.");
        return TimeSpan.Zero;
    }

    public static bool TryParse(string text, out TimeSpan value)
    {
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && number >= 0)
            {
                value = TimeSpan.FromSeconds(number * seconds);
                return true;
            }
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain) && plain >= 0)
        {
            value = TimeSpan.FromSeconds(plain);
            return true;
        }
        value = default;
        return false;
    }
}
