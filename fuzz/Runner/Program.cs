using Castd.Fuzz.Targets;
using SharpFuzz;

if (args is not [var name] || !FuzzTargets.ByName.TryGetValue(name, out var target))
{
    Console.Error.WriteLine($"usage: Castd.Fuzz <{string.Join('|', FuzzTargets.ByName.Keys)}>  (run under afl-fuzz by scripts/fuzz.sh)");
    return 2;
}

// Out of process: SharpFuzz keeps the target in a child it restarts after a crash, so a stack overflow or a hang is
// reported as one instead of taking the fuzzer down.
Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    target(copy.GetBuffer().AsSpan(0, (int)copy.Length));
});
return 0;
