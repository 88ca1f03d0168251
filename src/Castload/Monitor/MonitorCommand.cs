using System.CommandLine;
using System.Globalization;
using System.Net;
using Castd.Castload.Common;
using Prometheus;

namespace Castd.Castload.Monitor;

/// <summary>
/// <c>castload monitor</c> (docs/castload.md): test streams against a castd channel, one after another forever (or
/// <c>--iterations</c>), with the results exported as Prometheus metrics and one line per test on stdout.
/// </summary>
internal static class MonitorCommand
{
    public static Command Create()
    {
        var http = new Option<string>("--http") { Description = "castd HTTP endpoint host:port (the monitor registers its user there)", DefaultValueFactory = _ => "127.0.0.1:8080" };
        var stream = new Option<string>("--stream") { Description = "castd stream endpoint host:port", DefaultValueFactory = _ => "127.0.0.1:9111" };
        var user = new Option<string>("--user") { Description = "the monitor's account, registered before every test", DefaultValueFactory = _ => "monitor" };
        var channel = new Option<string>("--channel") { Description = "channel id the test streams watch", Required = true };
        var duration = new Option<TimeSpan>("--duration") { Description = "how long one test stream watches", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(10) };
        var startupTimeout = new Option<TimeSpan>("--startup-timeout") { Description = "longest wait from connect to the first stream byte", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(5) };
        var grace = new Option<TimeSpan>("--grace") { Description = "pause after each test", CustomParser = Durations.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(5) };
        var iterations = new Option<int>("--iterations") { Description = "tests to run; 0 = until Ctrl-C or SIGTERM" };
        var packetMs = new Option<double>("--packet-ms") { Description = "media milliseconds one packet carries (stream_monitor_segment_duration_seconds = packets × this)", DefaultValueFactory = _ => 20 };
        var metricsHost = new Option<string>("--metrics-host") { Description = "address of the /metrics listener", DefaultValueFactory = _ => "0.0.0.0" };
        var metricsPort = new Option<int>("--metrics-port") { Description = "port of the /metrics listener", DefaultValueFactory = _ => 9091 };

        var command = new Command("monitor", "Run test streams against a castd forever and export the results as Prometheus metrics (labels from STREAM_MONITOR_LABEL_<NAME>=value).")
        {
            http, stream, user, channel, duration, startupTimeout, grace, iterations, packetMs, metricsHost, metricsPort,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var endpoint = result.GetValue(stream)!;
            var colon = endpoint.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var streamPort))
            {
                Console.Error.WriteLine($"castload monitor: --stream '{endpoint}' is not host:port");
                return 2;
            }
            if (!Uri.TryCreate($"http://{result.GetValue(http)}/", UriKind.Absolute, out _))
            {
                Console.Error.WriteLine($"castload monitor: --http '{result.GetValue(http)}' is not host:port");
                return 2;
            }
            if (result.GetValue(duration) <= TimeSpan.Zero || result.GetValue(startupTimeout) <= TimeSpan.Zero || result.GetValue(packetMs) <= 0
                || result.GetValue(metricsPort) is < 0 or > 65535)
            {
                Console.Error.WriteLine("castload monitor: --duration, --startup-timeout and --packet-ms must be above 0, --metrics-port 0..65535");
                return 2;
            }
            var options = new MonitorOptions(result.GetValue(http)!, endpoint[..colon], streamPort, result.GetValue(user)!,
                result.GetValue(channel)!, result.GetValue(duration), result.GetValue(startupTimeout), result.GetValue(grace),
                int.Max(0, result.GetValue(iterations)), TimeSpan.FromMilliseconds(result.GetValue(packetMs)),
                result.GetValue(metricsHost)!, result.GetValue(metricsPort));
            return await RunAsync(options, cancellationToken);
        });
        return command;
    }

    /// <returns>0 when every test succeeded, 1 when any failed, 2 for a setup error.</returns>
    private static async Task<int> RunAsync(MonitorOptions options, CancellationToken stopping)
    {
        if (MonitorMetrics.StaticLabelsFrom(Environment.GetEnvironmentVariables(), out var labelError) is not { } labels)
        {
            Console.Error.WriteLine($"castload monitor: {labelError}");
            return 2;
        }
        var metrics = new MonitorMetrics(labels);
        using var server = new MetricServer(ListenerHost(options.MetricsHost), options.MetricsPort, "metrics/", metrics.Registry);
        try
        {
            server.Start();
        }
        catch (HttpListenerException e)
        {
            Console.Error.WriteLine($"castload monitor: cannot listen on {options.MetricsHost}:{options.MetricsPort}: {e.Message}");
            return 2;
        }
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"castload monitor: channel {options.Channel} at {options.StreamHost}:{options.StreamPort}, metrics on http://{options.MetricsHost}:{options.MetricsPort}/metrics"));

        using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Http}") };
        var test = new StreamTest(options, http);
        var failures = 0;
        try
        {
            for (var number = 1; options.Iterations == 0 || number <= options.Iterations; number++)
            {
                metrics.TestStarted();
                StreamTestResult result;
                try
                {
                    result = await test.RunAsync(stopping);
                }
                finally
                {
                    // Back to 0 however the test ended, before its result is counted: a scrape never sees a
                    // finished test as still active.
                    metrics.TestEnded();
                }
                metrics.Record(result);
                Console.WriteLine(result.Format(number));
                failures += result.Succeeded ? 0 : 1;
                await Task.Delay(options.Grace, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            Console.Error.WriteLine("castload monitor: stopped");
        }
        finally
        {
            await server.StopAsync();
        }
        return failures == 0 ? 0 : 1;
    }

    /// <summary>HttpListener matches a prefix's host against the request's Host header, so "all addresses" must be "+".</summary>
    private static string ListenerHost(string host) => host is "0.0.0.0" or "::" or "[::]" or "*" ? "+" : host;
}
