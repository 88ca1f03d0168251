using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Castd.Daemon.Auth;
using Castd.Daemon.Hosting;
using Castd.Storage;
using Castd.Tests.Integration.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Castd.Tests.Host;

/// <summary>
/// castd's whole host, built by <see cref="CastdHost.Build"/> as the daemon builds it (Kestrel and both listeners, the
/// ingest, the stream lifecycle, chat, RocksDB in a fresh directory), started in the test process on loopback ports,
/// with a test source it has dialled and its services at hand. No process to spawn, nothing to wait for but the work.
/// </summary>
internal sealed class InProcessCastd : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IStateBackend _backend;
    private readonly TempDirectory _data;

    private InProcessCastd(WebApplication app, IStateBackend backend, TempDirectory data, TestSource source, int httpPort, int streamPort)
    {
        (_app, _backend, _data, Source, HttpPort, StreamPort) = (app, backend, data, source, httpPort, streamPort);
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        Anonymous = new HttpClient { BaseAddress = Http.BaseAddress };
    }

    public TestSource Source { get; }
    public int HttpPort { get; }
    public int StreamPort { get; }
    /// <summary>An operator's client: from loopback, which CASTD_ADMIN_ALLOW takes by default, and with CASTD_ADMIN_TOKEN
    /// when the test sets one.</summary>
    public HttpClient Http { get; }

    /// <summary>A client that is nobody in particular: no token of its own (from loopback all the same).</summary>
    public HttpClient Anonymous { get; }
    public IServiceProvider Services => _app.Services;

    /// <param name="settings">Environment settings over the test defaults, as castd would read them.</param>
    /// <param name="time">castd's clock; the system's by default.</param>
    public static async Task<InProcessCastd> StartAsync(string[] users, IReadOnlyDictionary<string, string>? settings = null, TimeProvider? time = null)
    {
        var data = new TempDirectory();
        var source = new TestSource();
        var (httpPort, streamPort) = (FreePorts.Next(), FreePorts.Next());
        var environment = new Dictionary<string, string>
        {
            ["SERVER_HOST"] = "127.0.0.1",
            ["SERVER_PORT"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["STREAM_HOST"] = "127.0.0.1",
            ["STREAM_PORT"] = streamPort.ToString(CultureInfo.InvariantCulture),
            ["CHANNEL_SOURCE_HOST"] = "127.0.0.1",
            ["CHANNEL_SOURCE_PORT"] = source.Port.ToString(CultureInfo.InvariantCulture),
            ["CASTD_DATA_DIR"] = data.Path,
            ["CASTD_SOURCE_RECONNECT_MAX_MS"] = "200",
            ["CASTD_VIEWER_CONNECTS_EXEMPT"] = "127.0.0.1",
            // Meters are process-wide: hosts side by side in one test process would export each other's series.
            ["CASTD_METRICS"] = "false",
            ["CASTD_LOG_LEVEL"] = "Warning",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }
        var options = CastdOptions.FromEnvironment(environment.GetValueOrDefault);
        var backend = await StateBackends.OpenAsync(new StateBackendOptions(
            options.Redis, options.DataDirectory, options.StoreWriteBufferBytes, options.Sessions.MaxStreamsPerUser, options.Sessions.Ttl, time ?? TimeProvider.System));
        var clock = time ?? TimeProvider.System;
        var app = CastdHost.Build([], options, null, backend, clock, new TokenVerifier(options.Auth, clock), new TlsCertificates(options.TlsCertPath, options.TlsKeyPath));
        await app.StartAsync();
        foreach (var user in users)
        {
            await backend.State.RegisterAsync(user);
        }
        await source.AcceptAsync();
        var castd = new InProcessCastd(app, backend, data, source, httpPort, streamPort);
        if (options.Auth.AdminToken.Length > 0)
        {
            castd.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", options.Auth.AdminToken);
        }
        return castd;
    }

    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    public async Task<JsonElement> HealthAsync() => await Http.GetFromJsonAsync<JsonElement>("/healthz");

    public async Task<Dictionary<string, long>> UsageAsync(string user) =>
        (await Http.GetFromJsonAsync<JsonElement>($"/usage/{user}")).GetProperty("sessions").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Anonymous.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _backend.DisposeAsync();
        await Source.DisposeAsync();
        _data.Dispose();
    }
}
