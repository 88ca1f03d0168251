using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Integration;

/// <summary>
/// castd on a data directory whose disk fills up or turns read-only (issue 9): at start it refuses with a clear error;
/// while running it keeps streaming, admits viewers, reports the problem at /readyz and /healthz, keeps watch time in
/// memory, and writes it all once the disk is back. Real file systems: tmpfs with a size cap, ext4 on a loop device.
/// </summary>
public sealed class DiskFaultTests
{
    private const int Viewers = 20;

    // RocksDB grows a WAL file in preallocated steps of 1.1 × the write buffer and keeps writing into the step it
    // has after the disk is full; with the smallest buffer that is ~70 KiB, which the test's writes use up at once.
    private static readonly Dictionary<string, string> SmallWriteBuffer = new() { ["CASTD_STORE_WRITE_BUFFER_BYTES"] = "65536" };

    [Fact]
    public async Task ReadOnlyDataDirectoryAtStart_ExitsWithCode1SayingSo()
    {
        await using var fs = await ScratchFileSystem.TmpfsAsync(16);
        await fs.RemountReadOnlyAsync();

        var (exit, output) = await CastdProcess.RunUntilExitAsync(fs.Path);

        Assert.Equal(1, exit);
        Assert.Contains($"castd: cannot open the state store: State directory {fs.Path} is not writable.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FullDiskAtStart_ExitsWithCode1SayingSo()
    {
        await using var fs = await ScratchFileSystem.TmpfsAsync(16);
        await using (var castd = await CastdProcess.StartAsync(fs.Path, FreePorts.Next()))
        {
            await castd.RegisterAsync("ann");
            Assert.Equal(0, await castd.StopAsync());
        }
        fs.Fill();

        var (exit, output) = await CastdProcess.RunUntilExitAsync(fs.Path);

        Assert.Equal(1, exit);
        Assert.Contains($"castd: cannot open the state store: State directory {fs.Path} is on a full file system: free space there and start castd again.", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("full")]
    [InlineData("read-only")]
    public async Task DiskFailsWhileStreaming_ViewersKeepWatching_ReadyzSaysWhy_AndNoWatchTimeIsLostOnceBack(string fault)
    {
        await using var fs = fault == "full" ? await ScratchFileSystem.TmpfsAsync(32) : await ScratchFileSystem.Ext4Async(64);
        await using var source = new TestSource();
        var users = Enumerable.Range(0, Viewers).Select(i => $"viewer-{i:D2}-{new string('x', 40)}").ToArray();
        var watched = System.Diagnostics.Stopwatch.StartNew();
        await using (var castd = await CastdProcess.StartAsync(fs.Path, source.Port, SmallWriteBuffer))
        {
            foreach (var user in users.Append("late"))
            {
                await castd.RegisterAsync(user);
            }
            await source.AcceptAsync();
            using var feeding = new CancellationTokenSource();
            var feed = UsageDurabilityTests.FeedAsync(source, "live01", feeding.Token);
            var viewers = new List<TestViewer>();
            foreach (var user in users)
            {
                viewers.Add(await TestViewer.ConnectAsync(castd.StreamPort, $"{user} live01\n"));
            }
            await StreamingTests.WaitForViewersAsync(castd, Viewers);
            watched.Restart();
            await Task.Delay(TimeSpan.FromSeconds(1.5));

            if (fault == "full")
            {
                fs.Fill();
                // Registrations until one is refused: they use up the WAL's preallocated step faster than usage does.
                for (var i = 0; await RegisterStatusAsync(castd, $"filler-{i}-{new string('y', 50)}") == HttpStatusCode.OK; i++)
                {
                    Assert.True(i < 20_000, "registrations never hit the full disk");
                }
            }
            else
            {
                await fs.TriggerKernelErrorAsync();
            }
            var problem = fault == "full" ? "No space left on device" : "Read-only file system";
            await Eventually.TrueAsync(async () => (await ReadyProblemsAsync(castd)).Any(p => p.Contains(problem, StringComparison.Ordinal)));
            var health = await castd.HealthAsync();
            Assert.Equal("degraded", health.GetProperty("status").GetString());
            Assert.Contains(problem, health.GetProperty("usage").GetProperty("storeProblem").GetString(), StringComparison.Ordinal);

            // Streaming goes on for everyone, a registered viewer can still join, a new registration is refused.
            var received = viewers.Select(v => v.ReceivedLength).ToArray();
            await using var late = await TestViewer.ConnectAsync(castd.StreamPort, "late live01\n");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await RegisterStatusAsync(castd, "newcomer"));
            await Eventually.TrueAsync(() => Task.FromResult(late.ReceivedLength > 0 && viewers.Zip(received).All(v => v.First.ReceivedLength > v.Second)));
            // Their watch time waits in memory for the disk: a record per viewer once a flush has failed.
            await Eventually.TrueAsync(async () => (await castd.HealthAsync()).GetProperty("usage").GetProperty("bufferedRecords").GetInt32() >= Viewers);

            if (fault == "full")
            {
                fs.Free();
            }
            else
            {
                await fs.RepairAndRemountAsync();
            }
            await Eventually.TrueAsync(async () =>
            {
                var usage = (await castd.HealthAsync()).GetProperty("usage");
                // The field is left out when there is no problem.
                return !usage.TryGetProperty("storeProblem", out _) && usage.GetProperty("bufferedRecords").GetInt32() == 0;
            }, TimeSpan.FromSeconds(15));
            Assert.Empty(await ReadyProblemsAsync(castd));
            await castd.RegisterAsync("newcomer");

            // What the disk took back is on it: a crash now loses nothing but the flush interval.
            await castd.KillHardAsync();
            var seconds = watched.Elapsed.TotalSeconds;
            foreach (var viewer in viewers)
            {
                await viewer.DisposeAsync();
            }
            await feeding.CancelAsync();
            await feed;
            source.Disconnect();

            await using var restarted = await CastdProcess.StartAsync(fs.Path, source.Port, SmallWriteBuffer);
            foreach (var user in users)
            {
                // Whole seconds counted; the second before the kill may not have been flushed.
                var counted = (await restarted.UsageAsync(user))["live01"];
                Assert.True(counted >= (long)seconds - 2 && counted <= (long)seconds + 1, $"{user}: {counted} s counted for {seconds:0.0} s watched");
            }
            await restarted.StopAsync();
        }
    }

    private static async Task<HttpStatusCode> RegisterStatusAsync(CastdProcess castd, string user)
    {
        using var response = await castd.Http.PostAsync("/register", new StringContent(user));
        return response.StatusCode;
    }

    private static async Task<List<string>> ReadyProblemsAsync(CastdProcess castd)
    {
        using var response = await castd.Http.GetAsync("/readyz");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. body.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!)];
    }
}
