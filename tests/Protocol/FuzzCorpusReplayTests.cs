using Castd.Fuzz.Targets;
using Castd.Tests.Integration.Infrastructure;

namespace Castd.Tests.Protocol;

/// <summary>
/// Replays every committed fuzz input (fuzz/corpus/&lt;target&gt;/, grown and minimised by scripts/fuzz.sh) through
/// the same invariant checks the fuzzer ran, so a parser change that breaks one is caught in CI without a fuzzer.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    public static TheoryData<string> Targets => [.. FuzzTargets.ByName.Keys];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Corpus_EveryInput_KeepsTheTargetsInvariants(string target)
    {
        var directory = Path.Combine(RepoPaths.Root, "fuzz", "corpus", target);
        var inputs = Directory.GetFiles(directory);
        Assert.NotEmpty(inputs);

        var failures = new List<string>();
        foreach (var input in inputs)
        {
            try
            {
                FuzzTargets.ByName[target](File.ReadAllBytes(input));
            }
            catch (Exception ex)
            {
                failures.Add($"{Path.GetFileName(input)}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
