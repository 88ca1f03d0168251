#:project ../../src/Storage/Storage.csproj
// Session admissions and heartbeats per second through the fleet store (docs/fleet.md), the same IStateBackend castd
// uses, against the Redis named by argv[0]: every call is castd's own synchronous store call, from many threads at
// once as castd's request threads make them. bench/redis/run.sh runs it and reads Redis' commandstats around it.
//   dotnet run SessionStoreLoad.cs -- <CASTD_REDIS> <admit|heartbeat> <accounts> <threads> <seconds> <prefix>
using System.Diagnostics;
using Castd.Storage;

var (redis, phase, accounts, threads, seconds, prefix) = (args[0], args[1], int.Parse(args[2]), int.Parse(args[3]), double.Parse(args[4]), args[5]);
using var backend = StateBackends.Open(new StateBackendOptions(redis, "", 0, 3, TimeSpan.FromMinutes(10), TimeProvider.System));
var names = Enumerable.Range(0, accounts).Select(i => $"{prefix}{i}").ToArray();
while (backend.Problem is not null)
{
    Thread.Sleep(50);
}

long done = 0;
var clock = Stopwatch.StartNew();
var deadline = TimeSpan.FromSeconds(seconds);
var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
{
    // admit: each account once (the first stream of a fresh account: the full admission script); heartbeat: round
    // robin over the accounts admitted before, for the whole duration.
    for (var i = t; phase == "admit" ? i < accounts : clock.Elapsed < deadline; i += threads)
    {
        var account = names[i % accounts];
        var ok = phase == "admit" ? backend.Sessions.OpenHttp(account, "tv") is not null : backend.Sessions.Heartbeat(account, "tv") is not null;
        if (!ok)
        {
            throw new InvalidOperationException($"{phase} failed for {account}");
        }
        Interlocked.Increment(ref done);
    }
})).ToList();
workers.ForEach(w => w.Start());
workers.ForEach(w => w.Join());
var elapsed = clock.Elapsed.TotalSeconds;
Console.WriteLine($"{phase} {done} {elapsed:0.000} {done / elapsed:0}");
