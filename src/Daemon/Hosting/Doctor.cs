using System.Globalization;
using System.Text;

namespace Castd.Daemon.Hosting;

/// <summary>
/// <c>castd doctor [--viewers N] [--pid PID]</c>: the kernel limits a big event runs into, each against what castd's
/// configuration needs, and whether castd asks for tokens (docs/security.md), one OK/WARN line apiece. Exit code 0 when all are OK, 1 on any warning, 2 on bad arguments.
/// With <c>--pid</c> it reads a running castd's limits and environment (the service's, which a shell does not
/// share: LimitNOFILE and castd.conf apply only inside the unit); without, its own.
/// </summary>
internal static class Doctor
{
    public const string Usage = "castd doctor [--viewers N] [--pid PID]";

    private const int DefaultViewers = 100_000;

    // Descriptors beyond one per viewer: RocksDB's table files, both listeners, HTTP and chat clients, the runtime's
    // own (epoll, eventfds, pipes). 4096 covers a busy HTTP API beside the viewers with room to spare.
    private const int DescriptorMargin = 4096;

    private const string SysctlSnippet = "/usr/share/castd/sysctl/90-castd.conf";

    private readonly record struct Check(bool Ok, string Name, string Value, string Need);

    public static int Run(ReadOnlySpan<string> args, TextWriter output, TextWriter error)
    {
        var viewers = DefaultViewers;
        string process = "self";
        for (var i = 0; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--viewers" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out viewers) && viewers > 0:
                    break;
                case "--pid" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0:
                    process = value!;
                    break;
                default:
                    var given = string.Join(' ', args.Slice(i, int.Min(2, args.Length - i)).ToArray());
                    error.WriteLine($"castd doctor: bad argument '{given}'; usage: {Usage} (N and PID are positive whole numbers)");
                    return 2;
            }
        }

        CastdOptions options;
        (long Soft, long Hard) openFiles;
        try
        {
            var environment = process == "self" ? null : ReadEnvironment($"/proc/{process}/environ");
            options = CastdOptions.FromEnvironment(name => environment is null ? Environment.GetEnvironmentVariable(name) : environment.GetValueOrDefault(name));
            openFiles = ReadOpenFiles($"/proc/{process}/limits");
        }
        catch (DirectoryNotFoundException)
        {
            error.WriteLine($"castd doctor: no process {process}");
            return 2;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            error.WriteLine($"castd doctor: {ex.Message}");
            return 2;
        }

        long need = (long)viewers + DescriptorMargin;
        var nrOpen = ReadLong("fs/nr_open");
        var fileMax = ReadLong("fs/file-max");
        var somaxconn = ReadLong("net/core/somaxconn");
        var synBacklog = ReadLong("net/ipv4/tcp_max_syn_backlog");
        var (low, high) = ReadPortRange();
        var clash = new[] { options.ServerPort, options.StreamPort }.Where(port => port >= low && port <= high).ToList();
        var backlog = CastdHost.ListenBacklog;
        Check[] checks =
        [
            new(openFiles.Soft >= need, "open files (soft)", Text(openFiles.Soft), $">= {need} (viewers + {DescriptorMargin}): LimitNOFILE= in the unit"),
            new(openFiles.Hard >= need, "open files (hard)", Text(openFiles.Hard), $">= {need}"),
            new(nrOpen >= need, "fs.nr_open", Text(nrOpen), $">= {need}: the most LimitNOFILE can be"),
            new(fileMax >= need, "fs.file-max", Text(fileMax), $">= {need}: all processes together"),
            new(somaxconn >= backlog, "net.core.somaxconn", Text(somaxconn), $">= {backlog}: castd's listen backlog is capped by it"),
            new(synBacklog >= backlog, "net.ipv4.tcp_max_syn_backlog", Text(synBacklog), $">= {backlog}: half-open connects of a reconnect storm"),
            new(clash.Count == 0, "net.ipv4.ip_local_port_range", $"{low}-{high}",
                clash.Count == 0 ? $"to exclude ports {options.ServerPort} and {options.StreamPort}"
                    : $"to exclude port {string.Join(", ", clash)}: an outgoing connection can take it, then castd cannot bind"),
            new(options.Auth.KeysPath.Length > 0, "auth", options.Auth.KeysPath.Length > 0 ? "tokens" : "open",
                "CASTD_AUTH_KEYS on an internet-facing VM: in open mode any user id is taken without a token (docs/security.md)"),
        ];

        output.WriteLine($"castd doctor: limits of {(process == "self" ? "this process" : $"pid {process}")} for {viewers} viewers");
        var width = checks.Max(c => c.Name.Length);
        foreach (var check in checks)
        {
            output.WriteLine($"{(check.Ok ? "OK  " : "WARN")}  {check.Name.PadRight(width)}  {check.Value,12}  need {check.Need}");
        }
        if (checks.All(c => c.Ok))
        {
            return 0;
        }
        output.WriteLine($"Kernel settings for big events: {SysctlSnippet}");
        return 1;
    }

    private static string Text(long value) => value == long.MaxValue ? "unlimited" : value.ToString(CultureInfo.InvariantCulture);

    private static long ReadLong(string sysctl) => ParseLimit(File.ReadAllText($"/proc/sys/{sysctl}").Trim());

    private static long ParseLimit(string text) =>
        text == "unlimited" ? long.MaxValue : long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    private static (int Low, int High) ReadPortRange()
    {
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return (int.Parse(range[0], CultureInfo.InvariantCulture), int.Parse(range[1], CultureInfo.InvariantCulture));
    }

    // "Max open files            1048576              1048576              files" (proc_pid_limits(5)).
    private static (long Soft, long Hard) ReadOpenFiles(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var fields = line["Max open files".Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                return (ParseLimit(fields[0]), ParseLimit(fields[1]));
            }
        }
        throw new FormatException($"{path} has no 'Max open files' line.");
    }

    // NUL-separated NAME=value pairs: the environment the process was started with (its unit's, castd.conf included).
    private static Dictionary<string, string> ReadEnvironment(string path)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in Encoding.UTF8.GetString(File.ReadAllBytes(path)).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                environment[pair[..equals]] = pair[(equals + 1)..];
            }
        }
        return environment;
    }
}
