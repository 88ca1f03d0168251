using System.Diagnostics.CodeAnalysis;

namespace Castd.Fuzz.Targets;

/// <summary>
/// A parser broke one of its documented promises on a fuzz input. AFL++ sees it as a crash; the corpus replay test
/// as a failure naming the invariant.
/// </summary>
public sealed class FuzzInvariantException(string message) : Exception(message)
{
    public static void ThrowUnless([DoesNotReturnIf(false)] bool holds, string invariant)
    {
        if (!holds)
        {
            throw new FuzzInvariantException(invariant);
        }
    }
}
