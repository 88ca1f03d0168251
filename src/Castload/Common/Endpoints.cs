using System.CommandLine.Parsing;
using System.Globalization;

namespace Castd.Castload.Common;

/// <summary>Parses the host:port endpoints operators type ("127.0.0.1:9111", "castd-edge-1:9111").</summary>
internal static class Endpoints
{
    public static (string Host, int Port) Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        var colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
        {
            return (text[..colon], port);
        }
        result.AddError($"'{text}' is not an endpoint: use host:port, e.g. 127.0.0.1:9111.");
        return default;
    }
}
