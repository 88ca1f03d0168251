using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>
/// Real redis-server processes on loopback for the fleet suite: one standalone server, or a Redis Cluster of masters
/// made with <c>redis-cli --cluster create</c>. Each node keeps an append-only file in its own directory, so a node
/// stopped and started again comes back with its data, as a restarted production node does.
/// </summary>
internal sealed class RedisNodes : IAsyncDisposable
{
    /// <summary>A cluster node also listens on its port + 10000 (the cluster bus).</summary>
    private const int BusOffset = 10000;

    private readonly TempDirectory _data = new();
    private readonly int[] _ports;
    private readonly Process?[] _processes;
    private readonly bool _cluster;
    private readonly string? _password;

    private RedisNodes(int[] ports, bool cluster, string? password = null)
    {
        _ports = ports;
        _processes = new Process?[ports.Length];
        _cluster = cluster;
        _password = password;
    }

    public bool IsCluster => _cluster;

    public int Count => _ports.Length;

    /// <summary>The CASTD_REDIS value: every node, as an operator would list them, and the password when there is one.</summary>
    public string Configuration => string.Join(",", _ports.Select(p => $"127.0.0.1:{p}")) + (_password is null ? "" : $",password={_password}");

    /// <param name="password">Given, the server asks for it (requirepass).</param>
    public static async Task<RedisNodes> StartStandaloneAsync(string? password = null)
    {
        var nodes = new RedisNodes([FreePorts.Next()], cluster: false, password);
        await nodes.StartAsync(0);
        return nodes;
    }

    public static async Task<RedisNodes> StartClusterAsync(int masters = 3)
    {
        var nodes = new RedisNodes([.. Enumerable.Range(0, masters).Select(_ => FreeClusterPort())], cluster: true);
        for (var i = 0; i < masters; i++)
        {
            await nodes.StartAsync(i);
        }
        await RedisCli.RunAsync(["--cluster", "create", .. nodes._ports.Select(p => $"127.0.0.1:{p}"), "--cluster-replicas", "0", "--cluster-yes"]);
        await nodes.WaitForClusterOkAsync();
        return nodes;
    }

    /// <summary>The node that holds <paramref name="key"/>: on a cluster the others answer MOVED instead of 1.</summary>
    public async Task<int> NodeHoldingAsync(string key)
    {
        for (var i = 0; i < _ports.Length; i++)
        {
            if ((await RedisCli.RunAsync(["-p", Port(i), "EXISTS", key])).Trim() == "1")
            {
                return i;
            }
        }
        throw new InvalidOperationException($"no node holds {key}");
    }

    /// <summary>SIGTERM, as an operator stops a node: it writes its append-only file and exits.</summary>
    public async Task StopAsync(int node)
    {
        var process = _processes[node]!;
        Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(timeout.Token);
        process.Dispose();
        _processes[node] = null;
    }

    /// <summary>Starts a stopped node again on the same port and data; for a cluster, waits until it is whole again.</summary>
    public async Task RestartAsync(int node)
    {
        await StartAsync(node);
        if (_cluster)
        {
            await WaitForClusterOkAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (process is { HasExited: false })
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            process?.Dispose();
        }
        _data.Dispose();
    }

    private string Port(int node) => _ports[node].ToString(CultureInfo.InvariantCulture);

    private async Task StartAsync(int node)
    {
        var directory = Path.Combine(_data.Path, Port(node));
        Directory.CreateDirectory(directory);
        List<string> args = ["--port", Port(node), "--bind", "127.0.0.1", "--daemonize", "no", "--dir", directory, "--appendonly", "yes", "--save", ""];
        if (_password is not null)
        {
            args.AddRange(["--requirepass", _password]);
        }
        if (_cluster)
        {
            // A stopped master is marked failed after 2 s (the default 15 s would make the fault test slow).
            args.AddRange(["--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(directory, "nodes.conf"), "--cluster-node-timeout", "2000"]);
        }
        var info = new ProcessStartInfo("redis-server", args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[node] = process;
        string[] auth = _password is null ? [] : ["-a", _password, "--no-auth-warning"];
        await Eventually.TrueAsync(async () => (await RedisCli.RunAsync(["-p", Port(node), .. auth, "PING"])).Trim() == "PONG", TimeSpan.FromSeconds(10));
    }

    private async Task WaitForClusterOkAsync() =>
        await Eventually.TrueAsync(async () =>
        {
            foreach (var port in _ports)
            {
                if (!(await RedisCli.RunAsync(["-p", port.ToString(CultureInfo.InvariantCulture), "CLUSTER", "INFO"])).Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    return false;
                }
            }
            return true;
        }, TimeSpan.FromSeconds(30));

    /// <summary>A free port whose cluster-bus twin is free too.</summary>
    private static int FreeClusterPort()
    {
        while (true)
        {
            var port = FreePorts.Next();
            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port + BusOffset));
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }

    private static class RedisCli
    {
        public static async Task<string> RunAsync(IEnumerable<string> args)
        {
            var info = new ProcessStartInfo("redis-cli", args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            return await output + await errors;
        }
    }
}
