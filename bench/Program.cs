using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// In-process: BDN's out-of-process toolchain looks for a project named after the assembly (Castd.Bench.csproj),
// and this repo names projects after their folder. It also spares the shared build machine a second build.
// AsDefault makes it the base job, so a --job preset on the command line is ignored: shorten a run with
// --launchCount/--warmupCount/--iterationCount instead, which BDN applies on top of it.
// Every benchmark sets OperationsPerInvoke to its batch size, so Mean and Op/s read per packet.
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsDefault())
    .AddColumn(StatisticColumn.OperationsPerSecond);
BenchmarkSwitcher.FromAssembly(System.Reflection.Assembly.GetExecutingAssembly()).Run(args, config);
