using System.Globalization;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>
/// TLS (docs/security.md): HTTPS and wss on the HTTP port, /live played by ffmpeg over HTTPS, TCP viewers on
/// CASTD_TLS_STREAM_PORT, a renewed certificate taken on SIGHUP; every client trusts only a CA made for the test.
/// </summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly TestCertificates _certificates = new();
    private readonly TempDirectory _data = new();
    private readonly CancellationTokenSource _stopSource = new();
    private readonly int _tlsStreamPort = FreePorts.Next();
    private CastdProcess _castd = null!;
    private HttpClient _https = null!;
    private Task<(int ExitCode, string Output)> _source = null!;

    private string Origin => $"https://localhost:{_castd.HttpPort}";

    public async Task InitializeAsync()
    {
        var sourcePort = FreePorts.Next();
        _source = DotnetRun.RunAsync(RepoPaths.CastloadDll,
            ["source", "--port", sourcePort.ToString(CultureInfo.InvariantCulture), "--channels", "zato01", "--ts", TestMedia.H264],
            stop: _stopSource.Token);
        _castd = await CastdProcess.StartAsync(_data.Path, sourcePort,
            new Dictionary<string, string>(_certificates.Settings) { ["CASTD_TLS_STREAM_PORT"] = _tlsStreamPort.ToString(CultureInfo.InvariantCulture) },
            waitUntilReady: false);
        _https = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, certificate, chain, _) => _certificates.Validate(certificate, chain) } })
        {
            BaseAddress = new Uri(Origin),
        };
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                return (await _https.GetAsync("/readyz")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30));
        foreach (var user in new[] { "fan-1", "fan-2", "fan-3" })
        {
            (await _https.PostAsync("/register", new StringContent(user))).EnsureSuccessStatusCode();
        }
    }

    public async Task DisposeAsync()
    {
        _https.Dispose();
        await _castd.DisposeAsync();
        await _stopSource.CancelAsync();
        await _source;
        _data.Dispose();
        _certificates.Dispose();
    }

    [Fact]
    public async Task Curl_WithTheTestCa_GetsHealthz_OverHttps_AndPlainHttpGetsNoAnswer()
    {
        var (exit, output) = await DotnetRun.RunProgramAsync("curl", ["-sS", "--cacert", _certificates.CaPath, $"{Origin}/healthz"]);
        Assert.True(exit == 0, output);
        Assert.Contains("\"status\":\"ok\"", output, StringComparison.Ordinal);
        var (plain, _) = await DotnetRun.RunProgramAsync("curl", ["-sS", "--max-time", "5", $"http://127.0.0.1:{_castd.HttpPort}/healthz"]);
        Assert.NotEqual(0, plain);
    }

    [Fact]
    public async Task Wss_ChatWorks()
    {
        using var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, chain, _) => _certificates.Validate(certificate, chain);
        await socket.ConnectAsync(new Uri($"wss://localhost:{_castd.HttpPort}/chat?user=fan-1"), CancellationToken.None);
        await socket.SendAsync("""{"recipient":"fan-1","message":"over tls"}"""u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Contains("\"message\":\"over tls\"", Encoding.UTF8.GetString(buffer, 0, received.Count), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ffmpeg_PlaysLiveOverHttps_CleanFromItsFirstByte()
    {
        using var folder = new TempDirectory();
        var file = Path.Combine(folder.Path, "tls.ts");
        var (exit, output) = await DotnetRun.RunProgramAsync("ffmpeg",
            ["-nostdin", "-v", "error", "-ca_file", _certificates.CaPath, "-tls_verify", "1", "-i", $"{Origin}/live/zato01.ts?user=fan-2", "-t", "2", "-c", "copy", "-y", file],
            timeout: TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, output);
        var (decode, errors) = await DotnetRun.RunProgramAsync("ffmpeg", ["-nostdin", "-v", "error", "-i", file, "-f", "null", "-"]);
        Assert.True(decode == 0 && errors.Length == 0, errors);
        Assert.Equal(1, (await _https.GetFromJsonAsync<System.Text.Json.JsonElement>("/healthz")).GetProperty("httpPlaybacks").GetInt64());
    }

    [Fact]
    public async Task TlsStreamPort_ServesAViewer_AndARenewedCertificateIsTakenOnSighup()
    {
        var (received, first) = await ViewOverTlsAsync("fan-3");
        Assert.True(received > 10_000, $"{received} bytes over TLS");

        var renewed = _certificates.IssueServerCertificate("CN=castd renewed");
        var (exit, output) = await DotnetRun.RunProgramAsync("kill", ["-HUP", _castd.Pid.ToString(CultureInfo.InvariantCulture)]);
        Assert.True(exit == 0, output);
        await Eventually.TrueAsync(() => Task.FromResult(_castd.Output.Contains("TLS certificate reloaded: CN=castd renewed", StringComparison.Ordinal)));
        var (_, second) = await ViewOverTlsAsync("fan-3");

        Assert.NotEqual(first, second);
        Assert.Equal(renewed, second);
    }

    /// <summary>Watches zato01 on the TLS stream port until 10 kB or more came; returns the bytes and the server's certificate.</summary>
    private async Task<(long Received, string Thumbprint)> ViewOverTlsAsync(string user)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _tlsStreamPort);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, chain, _) => _certificates.Validate(certificate, chain));
        await tls.AuthenticateAsClientAsync("localhost");
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"{user} zato01 faststart\n"));
        var buffer = new byte[64 * 1024];
        long total = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (total < 10_000)
        {
            var read = await tls.ReadAsync(buffer, deadline.Token);
            Assert.True(read > 0, $"castd closed after {total} bytes: {Encoding.ASCII.GetString(buffer, 0, (int)long.Min(total, 200))}");
            total += read;
        }
        return (total, tls.RemoteCertificate!.GetCertHashString());
    }
}
