using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Castd.Daemon.Auth;

namespace Castd.Daemon.Hosting;

/// <summary>
/// <c>castd token --user U [--channel C] [--scope "play chat"] [--ttl 1h] [--kid K]</c>: prints a token signed with a key
/// of CASTD_AUTH_KEYS, for operators, tests and the demo (docs/security.md). Exit code 0, or 2 with the reason.
/// </summary>
internal static class TokenCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var user = new Option<string>("--user") { Description = "the token's sub: the user id it speaks for", Required = true };
        var channel = new Option<string>("--channel") { Description = "the ch claim for play: a channel id, or * for any", DefaultValueFactory = _ => "*" };
        var scope = new Option<string>("--scope") { Description = "space-separated: play, chat, session", DefaultValueFactory = _ => "play chat session" };
        var ttl = new Option<TimeSpan>("--ttl") { Description = "lifetime, e.g. 90s, 30m, 1h, 7d", DefaultValueFactory = _ => TimeSpan.FromHours(1), CustomParser = ParseLifetime };
        var kid = new Option<string>("--kid") { Description = "the key to sign with [default: the first key of CASTD_AUTH_KEYS that can sign]" };
        var command = new RootCommand("castd token: prints a token signed with a key of CASTD_AUTH_KEYS") { user, channel, scope, ttl, kid };
        command.SetAction(result =>
        {
            var path = Environment.GetEnvironmentVariable(Settings.AuthKeys.Name);
            if (string.IsNullOrEmpty(path))
            {
                error.WriteLine($"castd token: {Settings.AuthKeys.Name} is not set: there is no key to sign with");
                return 2;
            }
            IReadOnlyList<AuthKey> keys;
            try
            {
                keys = AuthKeyFile.Load(path);
            }
            catch (FormatException e)
            {
                error.WriteLine($"castd token: {e.Message}");
                return 2;
            }
            var wanted = result.GetValue(kid);
            var key = keys.FirstOrDefault(k => k.CanSign && (wanted is null || k.Kid == wanted));
            if (key is null)
            {
                error.WriteLine(wanted is null ? "castd token: no key in the file can sign (ES256 public keys verify only)" : $"castd token: no key {wanted} that can sign");
                return 2;
            }
            output.WriteLine(TokenMinter.Mint(key, result.GetValue(user)!, result.GetValue(scope)!, result.GetValue(channel), DateTimeOffset.UtcNow, result.GetValue(ttl)));
            return 0;
        });
        var parsed = command.Parse(args);
        return parsed.Errors.Count > 0 ? Fail(parsed, error) : parsed.Invoke();
    }

    private static int Fail(ParseResult parsed, TextWriter error)
    {
        foreach (var problem in parsed.Errors)
        {
            error.WriteLine($"castd token: {problem.Message}");
        }
        return 2;
    }

    /// <summary>"90s", "30m", "1h", "7d".</summary>
    private static TimeSpan ParseLifetime(ArgumentResult result)
    {
        var text = result.Tokens[0].Value;
        if (text.Length > 1 && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            switch (text[^1])
            {
                case 's':
                    return TimeSpan.FromSeconds(n);
                case 'm':
                    return TimeSpan.FromMinutes(n);
                case 'h':
                    return TimeSpan.FromHours(n);
                case 'd':
                    return TimeSpan.FromDays(n);
            }
        }
        result.AddError($"--ttl {text}: expected a whole number and s, m, h or d, e.g. 1h");
        return default;
    }
}
