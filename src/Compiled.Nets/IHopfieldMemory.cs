using System;

namespace Compiled.Nets;

/// <summary>
/// How a recall ended. <see cref="Sweeps"/> counts the sweeps run (one sweep updates every neuron once); a converged
/// recall's last sweep is the one that changed nothing, so a stored pattern given as the probe takes 1 sweep and 0 flips.
/// </summary>
/// <param name="Sweeps">Sweeps run, at most the <c>maxSweeps</c> given.</param>
/// <param name="Flips">Neurons changed over the whole recall (a neuron changed twice counts twice).</param>
/// <param name="Converged">The state is a fixed point: a full sweep changed no neuron.</param>
/// <param name="Cycled">
/// Synchronous recall only: the state alternates between two states (the sweep undid the previous one), which synchronous
/// dynamics with symmetric weights can do forever, so the recall stopped; the state is left at one of the two.
/// </param>
public readonly record struct HopfieldRecall(int Sweeps, int Flips, bool Converged, bool Cycled);

/// <summary>
/// What every generated Hopfield memory (<see cref="HopfieldNetworkAttribute"/>) offers, for code that handles memories
/// of several sizes. States and patterns are ±1 values as <see cref="sbyte"/>; every method checks its arguments (lengths,
/// values other than +1 and −1) before it changes anything and names what was wrong. An instance keeps working memory for
/// recall, so use it from one thread at a time.
/// </summary>
public interface IHopfieldMemory
{
    /// <summary>The number of neurons N, the length of every state and pattern (the class's constant <c>Neurons</c>).</summary>
    int Neurons { get; }

    /// <summary>
    /// The most patterns the memory can hold (the class's constant <c>MaxPatterns</c>): ⌊2²⁴ / (N − 1)⌋, the largest count
    /// for which every local field is a whole number below 2²⁴, so float sums of it are exact and ties are exact zeros.
    /// Far beyond the capacity of about 0.138 N.
    /// </summary>
    int MaxPatterns { get; }

    /// <summary>Patterns stored since the memory was created, cleared or loaded.</summary>
    int PatternCount { get; }

    /// <summary>The weights w_ij = (1/N) Σ_μ p_i^μ p_j^μ, [N, N] row-major: symmetric, with a zero diagonal.</summary>
    ReadOnlySpan<float> Weights { get; }

    /// <summary>Forgets every pattern: all weights 0, <see cref="PatternCount"/> 0.</summary>
    void Clear();

    /// <summary>Adds one pattern of N values, each +1 or −1, to the weights by Hebb's rule.</summary>
    void Store(ReadOnlySpan<sbyte> pattern);

    /// <summary>Adds <paramref name="count"/> patterns (count × N values, pattern after pattern) to the weights by Hebb's rule.</summary>
    void Store(ReadOnlySpan<sbyte> patterns, int count);

    /// <summary>
    /// Synchronous recall, in place: every neuron at once, s ← sign(W s) (a zero field keeps the neuron's state), until a
    /// sweep changes nothing, the state alternates between two states, or <paramref name="maxSweeps"/> sweeps have run.
    /// </summary>
    HopfieldRecall RecallSynchronous(Span<sbyte> state, int maxSweeps);

    /// <summary>
    /// Asynchronous recall, in place: sweep after sweep, each neuron in turn (a new random order each sweep, from
    /// <paramref name="seed"/> through <see cref="SeededRandom"/>) takes the sign of its local field, a zero field keeping
    /// its state, until a sweep changes nothing or <paramref name="maxSweeps"/> sweeps have run. The energy never increases.
    /// </summary>
    HopfieldRecall RecallAsynchronous(Span<sbyte> state, int maxSweeps, int seed);

    /// <summary>Asynchronous recall with the sweep orders drawn from <paramref name="random"/>.</summary>
    HopfieldRecall RecallAsynchronous(Span<sbyte> state, int maxSweeps, Random random);

    /// <summary>One asynchronous update of neuron <paramref name="neuron"/> (s_i ← sign(Σ_j w_ij s_j), a zero field keeps it); true when it changed.</summary>
    bool Update(Span<sbyte> state, int neuron);

    /// <summary>The energy E = −½ Σ_ij w_ij s_i s_j of <paramref name="state"/>, computed exactly and rounded once.</summary>
    double Energy(ReadOnlySpan<sbyte> state);

    /// <summary>
    /// Writes the weights as a safetensors file: one F32 tensor <c>weight</c> [N, N] and the number of patterns in the
    /// metadata (<c>patterns</c>); replaced atomically.
    /// </summary>
    void Save(string path);

    /// <summary>
    /// Reads weights written by <see cref="Save"/>: a <c>weight</c> tensor of shape [N, N] that is symmetric, has a zero
    /// diagonal and holds Hebbian sums of <c>patterns</c> ±1 patterns divided by N. Anything else throws
    /// <see cref="System.IO.InvalidDataException"/> naming the problem, and the memory is left unchanged.
    /// </summary>
    void Load(string path);
}
