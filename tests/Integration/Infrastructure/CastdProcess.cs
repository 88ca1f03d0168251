using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>A real castd process on loopback ports with its own data directory; killed hard or stopped gracefully.</summary>
internal sealed class CastdProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private CastdProcess(Process process, int httpPort, int streamPort)
    {
        _process = process;
        HttpPort = httpPort;
        StreamPort = streamPort;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
    }

    public int HttpPort { get; }
    public int StreamPort { get; }
    public HttpClient Http { get; }
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>castd on <paramref name="dataDirectory"/> and free ports, run to its exit: for start-ups meant to fail.</summary>
    public static Task<(int ExitCode, string Output)> RunUntilExitAsync(string dataDirectory) =>
        DotnetRun.RunAsync(RepoPaths.CastdDll, [], new Dictionary<string, string>
        {
            ["CASTD_DATA_DIR"] = dataDirectory,
            ["SERVER_PORT"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["STREAM_PORT"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public static async Task<CastdProcess> StartAsync(string dataDirectory, int sourcePort, IReadOnlyDictionary<string, string>? extra = null, bool waitUntilReady = true)
    {
        var info = new ProcessStartInfo("dotnet", [RepoPaths.CastdDll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var httpPort = FreePorts.Next();
        var streamPort = FreePorts.Next();
        info.Environment["SERVER_HOST"] = "127.0.0.1";
        info.Environment["SERVER_PORT"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["STREAM_HOST"] = "127.0.0.1";
        info.Environment["STREAM_PORT"] = streamPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["CHANNEL_SOURCE_HOST"] = "127.0.0.1";
        info.Environment["CHANNEL_SOURCE_PORT"] = sourcePort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["CASTD_DATA_DIR"] = dataDirectory;
        info.Environment["CASTD_SOURCE_RECONNECT_MAX_MS"] = "200";
        // Test crowds connect from 127.0.0.1 faster than one address may (CASTD_VIEWER_CONNECTS_PER_ADDRESS); abusers use other addresses.
        info.Environment["CASTD_VIEWER_CONNECTS_EXEMPT"] = "127.0.0.1";
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var process = new CastdProcess(Process.Start(info)!, httpPort, streamPort);
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        if (waitUntilReady)
        {
            await process.WaitUntilReadyAsync();
        }
        return process;
    }

    public async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"castd exited with {_process.ExitCode}:\n{Output}");
            }
            try
            {
                using var response = await Http.GetAsync("/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"castd did not become ready:\n{Output}");
    }

    public async Task RegisterAsync(string user)
    {
        using var response = await Http.PostAsync("/register", new StringContent(user));
        response.EnsureSuccessStatusCode();
    }

    public async Task<Dictionary<string, long>> UsageAsync(string user)
    {
        var body = await Http.GetFromJsonAsync<JsonElement>($"/usage/{user}");
        return body.GetProperty("sessions").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
    }

    public async Task<JsonElement> HealthAsync() => await Http.GetFromJsonAsync<JsonElement>("/healthz");

    /// <summary>SIGKILL: no flush, no cleanup, like a crash.</summary>
    public async Task KillHardAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as systemd stops the service; waits for the graceful exit.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillHardAsync();
        }
        Http.Dispose();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
