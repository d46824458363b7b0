using System;

namespace Compiled.Nets;

/// <summary>
/// Marks a <c>partial class</c> as a Hopfield associative memory of <see cref="Neurons"/> binary (±1) neurons, its size
/// fixed at compile time. The Compiled.Nets source generator adds to the class (docs/hopfield.md):
/// <list type="bullet">
/// <item><c>const int Neurons</c> and <c>const int MaxPatterns</c>, and N×N weights in fixed-size storage;</item>
/// <item><c>Store(pattern)</c> / <c>Store(patterns, count)</c>: Hebb's rule, accumulating, w_ij = (1/N) Σ_μ p_i^μ p_j^μ
/// with a zero diagonal, and <c>Clear()</c>;</item>
/// <item><c>RecallSynchronous(state, maxSweeps)</c> (every neuron at once, s ← sign(W s)) and
/// <c>RecallAsynchronous(state, maxSweeps, seed)</c> (one neuron at a time, in a new random order each sweep), both in
/// place, returning a <see cref="HopfieldRecall"/>; <c>Update(state, i)</c>, one neuron;</item>
/// <item><c>Energy(state)</c> = −½ Σ_ij w_ij s_i s_j, <c>Weights</c> ([N, N], row-major), <c>Save</c>/<c>Load</c> (safetensors).</item>
/// </list>
/// A neuron whose local field Σ_j w_ij s_j is exactly 0 keeps its state (sign(0) keeps the previous value).
/// The class implements <see cref="IHopfieldMemory"/>.
/// </summary>
/// <example>
/// <code>
/// [HopfieldNetwork(Neurons = 100)]
/// public partial class Memory { }
///
/// var memory = new Memory();
/// memory.Store(patterns, count: 5);            // 5 × 100 values, each +1 or −1
/// var recall = memory.RecallAsynchronous(probe, maxSweeps: 20, seed: 1);
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class HopfieldNetworkAttribute : Attribute
{
    /// <summary>Most neurons a Hopfield network may declare (CN0074): its two N×N float matrices take 2 × 256 MiB at this size.</summary>
    public const int MaxNeurons = 8192;

    /// <summary>
    /// The number of neurons N: the length of every state and pattern. Must be set, from 1 to <see cref="MaxNeurons"/>
    /// (CN0073, CN0074).
    /// </summary>
    public int Neurons { get; set; }
}
