using System.Diagnostics;

namespace Castd.Tests.Integration.Infrastructure;

/// <summary>Runs one of the built programs to completion and captures what it printed.</summary>
internal static class DotnetRun
{
    /// <param name="stop">Ends a program meant to run on (a source feeding the test): killed, with what it printed so far.</param>
    public static Task<(int ExitCode, string Output)> RunAsync(string dll, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null, CancellationToken stop = default) =>
        RunProgramAsync("dotnet", [dll, .. args], environment, timeout, stop);

    /// <summary>Any program (node for the browser tests), with the same output capture and time limit.</summary>
    public static async Task<(int ExitCode, string Output)> RunProgramAsync(string program, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null, CancellationToken stop = default)
    {
        var info = new ProcessStartInfo(program, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token, stop);
        try
        {
            await process.WaitForExitAsync(ended.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish:\n{await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
