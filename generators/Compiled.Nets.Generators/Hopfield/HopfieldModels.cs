using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Hopfield;

/// <summary>
/// A [HopfieldNetwork] class as the parser gathered it, before any check: where it goes, the raw Neurons value, and what
/// about the type would stop a second part from compiling. Plain values (no symbols), so the step caches.
/// </summary>
internal sealed record HopfieldDeclaration
{
    /// <summary>The type's name, for messages.</summary>
    public required string DisplayName { get; init; }
    /// <summary>The type's name as C# (a keyword escaped).</summary>
    public required string TypeName { get; init; }
    /// <summary>The dotted namespace, each part escaped; "" for the global namespace.</summary>
    public required string Namespace { get; init; }
    /// <summary>"partial class Outer", … for each containing type, outermost first.</summary>
    public required EquatableArray<string> ContainingTypes { get; init; }
    public required string HintStem { get; init; }
    public required string MetadataName { get; init; }
    /// <summary>The [HopfieldNetwork] attribute, where every diagnostic points.</summary>
    public required LocationInfo? Location { get; init; }
    /// <summary>The Neurons argument; null when it is not given.</summary>
    public required int? Neurons { get; init; }
    /// <summary>Why the type cannot take the generated part (CN0075), or null.</summary>
    public required string? TypeProblem { get; init; }
    /// <summary>The class is also a [Network] (CN0076).</summary>
    public required bool AlsoNetwork { get; init; }
}

/// <summary>
/// What the parse step hands on: a declaration to check, or none (with CN9999 when the parser itself failed), and the
/// diagnostics so far.
/// </summary>
internal sealed record HopfieldParsed(HopfieldDeclaration? Declaration, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// A checked Hopfield memory, all the emitter reads. Holds no location, so moving the declaration re-emits nothing.
/// </summary>
internal sealed record HopfieldSpec
{
    public required string DisplayName { get; init; }
    public required string TypeName { get; init; }
    public required string Namespace { get; init; }
    public required EquatableArray<string> ContainingTypes { get; init; }
    public required string HintStem { get; init; }
    public required string MetadataName { get; init; }
    /// <summary>N, from 1 to HopfieldNetworkAttribute.MaxNeurons.</summary>
    public required int Neurons { get; init; }

    /// <summary>⌊2²⁴ / (N − 1)⌋ (2²⁴ for N = 1), as HopfieldKernels.MaxPatterns computes it.</summary>
    public int MaxPatterns => Neurons == 1 ? HopfieldLimits.ExactLimit : HopfieldLimits.ExactLimit / (Neurons - 1);

    /// <summary>Threads per block of the sweep kernel: N rounded up to whole warps, at most 256.</summary>
    public int SweepThreads => System.Math.Min(256, (Neurons + 31) / 32 * 32);
}

/// <summary>The limits the generator checks, mirrored from the runtime (a test keeps them equal).</summary>
internal static class HopfieldLimits
{
    /// <summary>HopfieldNetworkAttribute.MaxNeurons.</summary>
    public const int MaxNeurons = 8192;

    /// <summary>HopfieldKernels.ExactLimit: 2²⁴.</summary>
    public const int ExactLimit = 1 << 24;
}
