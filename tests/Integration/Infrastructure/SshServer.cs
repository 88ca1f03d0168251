using System.Diagnostics;
using System.Net.Sockets;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>
/// A real OpenSSH server (Debian's openssh-server, installed by scripts/test.sh) on a loopback port, listening on
/// 127.0.0.1 and 127.0.0.2 so a test has two "hosts", with a throwaway host key and client key of its own.
/// </summary>
internal sealed class SshServer : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly Process _sshd;
    private readonly System.Text.StringBuilder _log = new();

    private SshServer()
    {
        Port = FreePorts.Next();
        var dir = _directory.Path;
        KeyGen(Path.Combine(dir, "host_key"));
        KeyGen(ClientKey);
        File.Copy(ClientKey + ".pub", Path.Combine(dir, "authorized_keys"));
        File.WriteAllText(Path.Combine(dir, "sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            ListenAddress 127.0.0.2
            HostKey {dir}/host_key
            AuthorizedKeysFile {dir}/authorized_keys
            PidFile {dir}/sshd.pid
            StrictModes no
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            """);
        // sshd wants its privilege-separation directory; the package creates it only when the service starts.
        Directory.CreateDirectory("/run/sshd");
        var start = new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", Path.Combine(dir, "sshd_config")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        _sshd = Process.Start(start)!;
        _sshd.ErrorDataReceived += (_, line) =>
        {
            lock (_log)
            {
                _log.AppendLine(line.Data);
            }
        };
        _sshd.BeginErrorReadLine();
    }

    public int Port { get; }

    public string ClientKey => Path.Combine(_directory.Path, "client_key");

    /// <summary>What sshd logged (one line per accepted login, among others).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>ssh arguments that reach this server with the throwaway key and no host-key prompt.</summary>
    public string ClientOptions =>
        $"-p {Port} -i {ClientKey} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR";

    public static async Task<SshServer> StartAsync()
    {
        var server = new SshServer();
        await Eventually.TrueAsync(() => Task.FromResult(CanConnect(server.Port) || server._sshd.HasExited), TimeSpan.FromSeconds(10));
        Assert.False(server._sshd.HasExited, $"sshd did not start:\n{server.Log}");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        _sshd.Kill(entireProcessTree: true);
        await _sshd.WaitForExitAsync();
        _sshd.Dispose();
        _directory.Dispose();
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var client = new TcpClient("127.0.0.2", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void KeyGen(string path)
    {
        using var keygen = Process.Start(new ProcessStartInfo("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path]) { RedirectStandardOutput = true })!;
        keygen.WaitForExit();
        if (keygen.ExitCode != 0)
        {
            throw new InvalidOperationException($"ssh-keygen failed for {path}");
        }
    }
}
