#:project ../../src/Storage/Storage.csproj
// Session admissions and heartbeats per second through the fleet store (docs/fleet.md), the same IStateBackend castd
// uses, against the Redis named by argv[0]: every call is castd's own asynchronous store call, <callers> of them in
// flight at once as castd's concurrent requests make them. bench/redis/run.sh runs it and reads Redis' commandstats.
//   dotnet run SessionStoreLoad.cs -- <CASTD_REDIS> <admit|heartbeat> <accounts> <callers> <seconds> <prefix>
using System.Diagnostics;
using Castd.Storage;

var (redis, phase, accounts, callers, seconds, prefix) = (args[0], args[1], int.Parse(args[2]), int.Parse(args[3]), double.Parse(args[4]), args[5]);
await using var backend = await StateBackends.OpenAsync(new StateBackendOptions(redis, "", 0, 3, TimeSpan.FromMinutes(10), TimeProvider.System));
var names = Enumerable.Range(0, accounts).Select(i => $"{prefix}{i}").ToArray();
while (backend.Problem is not null)
{
    await Task.Delay(50);
}

long done = 0;
var clock = Stopwatch.StartNew();
var deadline = TimeSpan.FromSeconds(seconds);
await Task.WhenAll(Enumerable.Range(0, callers).Select(async c =>
{
    // admit: each account once (the first stream of a fresh account: the full admission script); heartbeat: round
    // robin over the accounts admitted before, for the whole duration.
    for (var i = c; phase == "admit" ? i < accounts : clock.Elapsed < deadline; i += callers)
    {
        var account = names[i % accounts];
        var ok = phase == "admit" ? await backend.Sessions.OpenHttpAsync(account, "tv") is not null : await backend.Sessions.HeartbeatAsync(account, "tv") is not null;
        if (!ok)
        {
            throw new InvalidOperationException($"{phase} failed for {account}");
        }
        Interlocked.Increment(ref done);
    }
}));
var elapsed = clock.Elapsed.TotalSeconds;
Console.WriteLine($"{phase} {done} {elapsed:0.000} {done / elapsed:0}");
