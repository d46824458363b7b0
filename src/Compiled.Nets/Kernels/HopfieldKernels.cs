using System.ComponentModel;
using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// The loops of a generated Hopfield memory ([HopfieldNetwork], docs/hopfield.md), called with the memory's constant N.
/// <para>
/// The memory keeps the Hebbian sums C_ij = Σ_μ p_i^μ p_j^μ (whole numbers, held as floats) next to the weights
/// w_ij = C_ij / N. Recall and energy work on C: with ±1 states every local field C s is a whole number, and while it stays
/// below 2²⁴ (the memory refuses more than <see cref="MaxPatterns"/> patterns to make sure) every float sum of it is exact
/// whatever the order. So a tie is an exact zero, the field kept up to date flip by flip equals the one computed afresh,
/// and the C#, SIMD and CUDA paths agree to the bit. Dividing by N changes no sign, so the dynamics are those of W.
/// </para>
/// <para>
/// Recall keeps the local fields h = C s and, when neuron i flips to s_i, adds 2 s_i C[i, :] to them (C is symmetric
/// with a zero diagonal): a sweep costs N plus N per flip, not N², once the first field is computed.
/// </para>
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class HopfieldKernels
{
    /// <summary>The largest whole-number magnitude a float holds exactly, and so the bound on every local field.</summary>
    public const int ExactLimit = 1 << 24;

    /// <summary>⌊2²⁴ / (N − 1)⌋ (2²⁴ for one neuron): a local field sums N − 1 terms of magnitude at most P.</summary>
    public static int MaxPatterns(int neurons)
    {
        if (neurons <= 0) throw new ArgumentOutOfRangeException(nameof(neurons), neurons, "A Hopfield memory needs at least one neuron.");
        return neurons == 1 ? ExactLimit : ExactLimit / (neurons - 1);
    }

    // ---- argument checks (all before anything changes) ----

    /// <summary>Throws unless <paramref name="state"/> holds exactly N values, each +1 or −1.</summary>
    public static void CheckState(ReadOnlySpan<sbyte> state, int neurons, string parameter, string memory)
    {
        if (state.Length != neurons)
            throw new ArgumentException($"{parameter} has length {state.Length}, but {memory} has {neurons} neurons.", parameter);
        int bad = FirstNotSpin(state);
        if (bad >= 0)
            throw new ArgumentException($"{parameter}[{bad}] is {state[bad]}, but a state of {memory} holds only +1 and -1.", parameter);
    }

    /// <summary>
    /// Throws unless <paramref name="patterns"/> holds exactly <paramref name="count"/> × N values, each +1 or −1, and the
    /// memory (holding <paramref name="stored"/>) has room for them.
    /// </summary>
    public static void CheckPatterns(ReadOnlySpan<sbyte> patterns, int count, int neurons, int stored, string parameter, string memory)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The number of patterns cannot be negative.");
        if (patterns.Length != (long)count * neurons)
            throw new ArgumentException(
                $"{parameter} has length {patterns.Length}, but {count} pattern{(count == 1 ? "" : "s")} of {memory} ({neurons} neurons each) need {(long)count * neurons}.",
                parameter);
        int bad = FirstNotSpin(patterns);
        if (bad >= 0)
            throw new ArgumentException(
                $"{parameter}[{bad}] (pattern {bad / neurons}, neuron {bad % neurons}) is {patterns[bad]}, but a pattern of {memory} holds only +1 and -1.",
                parameter);
        int max = MaxPatterns(neurons);
        if ((long)stored + count > max)
            throw new InvalidOperationException(
                $"{memory} holds {stored} patterns; {count} more would exceed MaxPatterns = {max}, beyond which its local fields are no longer exact in float (its capacity is about {0.138 * neurons:F0}).");
    }

    /// <summary>Throws unless <paramref name="maxSweeps"/> is at least 1.</summary>
    public static void CheckSweeps(int maxSweeps)
    {
        if (maxSweeps < 1) throw new ArgumentOutOfRangeException(nameof(maxSweeps), maxSweeps, "A recall needs at least one sweep.");
    }

    /// <summary>Throws unless <paramref name="neuron"/> is in [0, N).</summary>
    public static void CheckNeuron(int neuron, int neurons, string memory)
    {
        if ((uint)neuron >= (uint)neurons)
            throw new ArgumentOutOfRangeException(nameof(neuron), neuron, $"{memory} has neurons 0 to {neurons - 1}.");
    }

    private static int FirstNotSpin(ReadOnlySpan<sbyte> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (values[i] != 1 && values[i] != -1) return i;
        return -1;
    }

    // ---- storage ----

    /// <summary>
    /// Hebb's rule for <paramref name="count"/> checked patterns: C += Σ_μ p^μ p^μᵀ with a zero diagonal, then W = C / N.
    /// <paramref name="spins"/> is N floats of working memory.
    /// </summary>
    public static void Store(Span<float> hebbian, Span<float> weights, ReadOnlySpan<sbyte> patterns, int count, int neurons, Span<float> spins)
    {
        const string kernel = "HopfieldKernels.Store";
        CheckMatrices(kernel, hebbian, weights, neurons);
        KernelChecks.NonNegative(kernel, nameof(count), count);
        KernelChecks.Length(kernel, nameof(patterns), patterns.Length, (long)count * neurons);
        KernelChecks.AtLeast(kernel, nameof(spins), spins.Length, neurons);
        spins = spins.Slice(0, neurons);
        for (int p = 0; p < count; p++)
        {
            var pattern = patterns.Slice(p * neurons, neurons);
            ToSpins(pattern, spins);
            for (int i = 0; i < neurons; i++)
            {
                var row = hebbian.Slice(i * neurons, neurons);
                // Row i gains p_i · p: an exact add or subtract of ±1 per entry.
                if (pattern[i] > 0) AddTo(row, spins);
                else SubtractFrom(row, spins);
                row[i] = 0f;
            }
        }
        Divide(hebbian, neurons, weights);
    }

    // ---- recall ----

    /// <summary>
    /// Synchronous recall of a checked state, in place (see <see cref="IHopfieldMemory.RecallSynchronous"/>). Working memory:
    /// <paramref name="spins"/> and <paramref name="field"/> N floats, <paramref name="flips"/> and <paramref name="previousFlips"/> N ints.
    /// </summary>
    public static HopfieldRecall RecallSynchronous(ReadOnlySpan<float> hebbian, Span<sbyte> state, int maxSweeps, int neurons,
        Span<float> spins, Span<float> field, Span<int> flips, Span<int> previousFlips)
    {
        const string kernel = "HopfieldKernels.RecallSynchronous";
        CheckRecall(kernel, hebbian, state, neurons, spins, field);
        KernelChecks.AtLeast(kernel, nameof(flips), flips.Length, neurons);
        KernelChecks.AtLeast(kernel, nameof(previousFlips), previousFlips.Length, neurons);
        CheckSweeps(maxSweeps);
        spins = spins.Slice(0, neurons);
        field = field.Slice(0, neurons);
        ToSpins(state, spins);
        Field(hebbian, spins, field, neurons);
        int total = 0, previous = -1;
        for (int sweep = 1; sweep <= maxSweeps; sweep++)
        {
            // Every neuron decides on the fields of the state before the sweep.
            int count = 0;
            for (int i = 0; i < neurons; i++)
            {
                float h = field[i];
                if ((h > 0f && state[i] < 0) || (h < 0f && state[i] > 0)) flips[count++] = i;
            }
            if (count == 0) return new HopfieldRecall(sweep, total, Converged: true, Cycled: false);
            for (int k = 0; k < count; k++)
            {
                int i = flips[k];
                state[i] = (sbyte)-state[i];
                spins[i] = state[i];
            }
            for (int k = 0; k < count; k++)
            {
                int i = flips[k];
                AddScaled(field, hebbian.Slice(i * neurons, neurons), 2f * spins[i]);
            }
            total += count;
            // The same neurons flipped back: the state is the one of two sweeps ago, a 2-cycle that never ends.
            if (count == previous && flips.Slice(0, count).SequenceEqual(previousFlips.Slice(0, count)))
                return new HopfieldRecall(sweep, total, Converged: false, Cycled: true);
            flips.Slice(0, count).CopyTo(previousFlips);
            previous = count;
        }
        return new HopfieldRecall(maxSweeps, total, Converged: false, Cycled: false);
    }

    /// <summary>
    /// Asynchronous recall of a checked state, in place, each sweep in a new order drawn from <paramref name="random"/>
    /// (see <see cref="IHopfieldMemory.RecallAsynchronous(Span{sbyte}, int, int)"/>). Working memory: <paramref name="spins"/>
    /// and <paramref name="field"/> N floats, <paramref name="order"/> N ints.
    /// </summary>
    public static HopfieldRecall RecallAsynchronous(ReadOnlySpan<float> hebbian, Span<sbyte> state, int maxSweeps, SeededRandom random,
        int neurons, Span<float> spins, Span<float> field, Span<int> order)
    {
        ArgumentNullException.ThrowIfNull(random);
        var source = new SeededSource(random);
        return RecallAsynchronous(hebbian, state, maxSweeps, ref source, neurons, spins, field, order);
    }

    /// <summary>Asynchronous recall with the sweep orders drawn from a <see cref="Random"/>.</summary>
    public static HopfieldRecall RecallAsynchronous(ReadOnlySpan<float> hebbian, Span<sbyte> state, int maxSweeps, Random random,
        int neurons, Span<float> spins, Span<float> field, Span<int> order)
    {
        ArgumentNullException.ThrowIfNull(random);
        var source = new SystemSource(random);
        return RecallAsynchronous(hebbian, state, maxSweeps, ref source, neurons, spins, field, order);
    }

    private interface IIndexSource
    {
        /// <summary>Uniform in [0, <paramref name="maxExclusive"/>).</summary>
        int Next(int maxExclusive);
    }

    private readonly struct SeededSource(SeededRandom random) : IIndexSource
    {
        public int Next(int maxExclusive) => random.NextInt(maxExclusive);
    }

    private readonly struct SystemSource(Random random) : IIndexSource
    {
        public int Next(int maxExclusive) => random.Next(maxExclusive);
    }

    private static HopfieldRecall RecallAsynchronous<TSource>(ReadOnlySpan<float> hebbian, Span<sbyte> state, int maxSweeps, ref TSource random,
        int neurons, Span<float> spins, Span<float> field, Span<int> order) where TSource : struct, IIndexSource
    {
        const string kernel = "HopfieldKernels.RecallAsynchronous";
        CheckRecall(kernel, hebbian, state, neurons, spins, field);
        KernelChecks.AtLeast(kernel, nameof(order), order.Length, neurons);
        CheckSweeps(maxSweeps);
        order = order.Slice(0, neurons);
        spins = spins.Slice(0, neurons);
        field = field.Slice(0, neurons);
        for (int i = 0; i < neurons; i++) order[i] = i;
        ToSpins(state, spins);
        Field(hebbian, spins, field, neurons);
        int total = 0;
        for (int sweep = 1; sweep <= maxSweeps; sweep++)
        {
            // Fisher–Yates: a uniformly random order of the neurons (shuffling the last order is as good as a fresh one).
            for (int i = neurons - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
            int count = 0;
            foreach (int i in order)
            {
                float h = field[i];
                if ((h > 0f && state[i] < 0) || (h < 0f && state[i] > 0))
                {
                    state[i] = (sbyte)-state[i];
                    spins[i] = state[i];
                    // Every later neuron of this sweep sees the new state: h += (s_i' − s_i) C[:, i] = 2 s_i' C[i, :].
                    AddScaled(field, hebbian.Slice(i * neurons, neurons), 2f * spins[i]);
                    count++;
                }
            }
            total += count;
            if (count == 0) return new HopfieldRecall(sweep, total, Converged: true, Cycled: false);
        }
        return new HopfieldRecall(maxSweeps, total, Converged: false, Cycled: false);
    }

    /// <summary>One asynchronous update of neuron <paramref name="neuron"/> of a checked state; true when it changed.</summary>
    public static bool Update(ReadOnlySpan<float> hebbian, Span<sbyte> state, int neuron, int neurons, Span<float> spins)
    {
        const string kernel = "HopfieldKernels.Update";
        KernelChecks.Length(kernel, nameof(hebbian), hebbian.Length, (long)neurons * neurons);
        KernelChecks.Length(kernel, nameof(state), state.Length, neurons);
        KernelChecks.AtLeast(kernel, nameof(spins), spins.Length, neurons);
        if ((uint)neuron >= (uint)neurons) throw new ArgumentOutOfRangeException(nameof(neuron));
        spins = spins.Slice(0, neurons);
        ToSpins(state, spins);
        float h = Dot(hebbian.Slice(neuron * neurons, neurons), spins);
        if ((h > 0f && state[neuron] < 0) || (h < 0f && state[neuron] > 0))
        {
            state[neuron] = (sbyte)-state[neuron];
            return true;
        }
        return false;
    }

    /// <summary>E = −½ Σ_ij w_ij s_i s_j = −(Σ_i s_i (C s)_i) / 2N of a checked state: each (C s)_i exact, the sum exact in double, one rounding.</summary>
    public static double Energy(ReadOnlySpan<float> hebbian, ReadOnlySpan<sbyte> state, int neurons, Span<float> spins)
    {
        const string kernel = "HopfieldKernels.Energy";
        KernelChecks.Length(kernel, nameof(hebbian), hebbian.Length, (long)neurons * neurons);
        KernelChecks.Length(kernel, nameof(state), state.Length, neurons);
        KernelChecks.AtLeast(kernel, nameof(spins), spins.Length, neurons);
        spins = spins.Slice(0, neurons);
        ToSpins(state, spins);
        double sum = 0;
        for (int i = 0; i < neurons; i++)
            sum += state[i] * (double)Dot(hebbian.Slice(i * neurons, neurons), spins);
        return -sum / (2.0 * neurons);
    }

    // ---- weight files ----

    /// <summary>
    /// Turns weights read from a file into Hebbian sums, checking what Hebb's rule guarantees: every N·w_ij is a whole
    /// number C_ij (within 1e-3) with |C_ij| ≤ P and the parity of P, C is symmetric and its diagonal is 0. Throws
    /// <see cref="System.IO.InvalidDataException"/> naming the first entry that is not so; writes nothing then.
    /// </summary>
    public static void SumsFromWeights(ReadOnlySpan<float> weights, Span<float> hebbian, int neurons, int patterns, string source)
    {
        const string kernel = "HopfieldKernels.SumsFromWeights";
        KernelChecks.Length(kernel, nameof(weights), weights.Length, (long)neurons * neurons);
        KernelChecks.Length(kernel, nameof(hebbian), hebbian.Length, (long)neurons * neurons);
        for (int i = 0; i < neurons; i++)
        {
            for (int j = 0; j < neurons; j++)
            {
                float w = weights[i * neurons + j];
                double c = (double)w * neurons;
                double whole = Math.Round(c);
                if (i == j && w != 0f) throw Bad(source, $"weight[{i}, {i}] is {w}, but the diagonal of Hopfield weights is 0");
                if (w != weights[j * neurons + i])
                    throw Bad(source, $"weight[{i}, {j}] is {w} but weight[{j}, {i}] is {weights[j * neurons + i]}; Hopfield weights are symmetric");
                if (Math.Abs(c - whole) > 1e-3)
                    throw Bad(source, $"weight[{i}, {j}] is {w}, and {neurons}·{w} = {c} is not a whole number, as a Hebbian sum of ±1 patterns divided by N is");
                if (i != j && (Math.Abs(whole) > patterns || ((long)whole - patterns) % 2 != 0))
                    throw Bad(source, $"weight[{i}, {j}] is {w} = {whole}/{neurons}, which no sum of {patterns} products of ±1 values makes (its numerator must be at most {patterns} in magnitude, with the parity of {patterns})");
            }
        }
        for (int k = 0; k < hebbian.Length; k++) hebbian[k] = (float)Math.Round((double)weights[k] * neurons);
    }

    private static System.IO.InvalidDataException Bad(string source, string problem) => new($"{source}: {problem}.");

    // ---- shared pieces ----

    private static void CheckMatrices(string kernel, ReadOnlySpan<float> hebbian, ReadOnlySpan<float> weights, int neurons)
    {
        KernelChecks.Positive(kernel, nameof(neurons), neurons);
        KernelChecks.Length(kernel, nameof(hebbian), hebbian.Length, (long)neurons * neurons);
        KernelChecks.Length(kernel, nameof(weights), weights.Length, (long)neurons * neurons);
    }

    private static void CheckRecall(string kernel, ReadOnlySpan<float> hebbian, ReadOnlySpan<sbyte> state, int neurons, ReadOnlySpan<float> spins, ReadOnlySpan<float> field)
    {
        KernelChecks.Positive(kernel, nameof(neurons), neurons);
        KernelChecks.Length(kernel, nameof(hebbian), hebbian.Length, (long)neurons * neurons);
        KernelChecks.Length(kernel, nameof(state), state.Length, neurons);
        KernelChecks.AtLeast(kernel, nameof(spins), spins.Length, neurons);
        KernelChecks.AtLeast(kernel, nameof(field), field.Length, neurons);
    }

    /// <summary>h = C s, one exact dot product per row.</summary>
    private static void Field(ReadOnlySpan<float> hebbian, ReadOnlySpan<float> spins, Span<float> field, int neurons)
    {
        spins = spins.Slice(0, neurons);
        for (int i = 0; i < neurons; i++) field[i] = Dot(hebbian.Slice(i * neurons, neurons), spins);
    }

    private static void ToSpins(ReadOnlySpan<sbyte> state, Span<float> spins)
    {
        for (int i = 0; i < state.Length; i++) spins[i] = state[i];
    }

    // ---- vector loops (System.Numerics.Vector: the widest the hardware runs, AVX2's 8 floats on x64) ----

    /// <summary>x · y. On whole numbers below 2²⁴ every partial sum is exact, so the order of the sum does not matter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("HopfieldKernels.Dot: x and y differ in length.");
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        Vector<float> a = Vector<float>.Zero, b = Vector<float>.Zero;
        int k = 0;
        for (; k + 1 < vx.Length; k += 2)
        {
            a += vx[k] * vy[k];
            b += vx[k + 1] * vy[k + 1];
        }
        if (k < vx.Length) a += vx[k] * vy[k];
        float sum = Vector.Sum(a + b);
        for (int i = vx.Length * Vector<float>.Count; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }

    /// <summary>destination += scale · x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddScaled(Span<float> destination, ReadOnlySpan<float> x, float scale)
    {
        var vd = MemoryMarshal.Cast<float, Vector<float>>(destination);
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var s = new Vector<float>(scale);
        for (int k = 0; k < vd.Length; k++) vd[k] += vx[k] * s;
        for (int i = vd.Length * Vector<float>.Count; i < destination.Length; i++) destination[i] += x[i] * scale;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddTo(Span<float> destination, ReadOnlySpan<float> x)
    {
        var vd = MemoryMarshal.Cast<float, Vector<float>>(destination);
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        for (int k = 0; k < vd.Length; k++) vd[k] += vx[k];
        for (int i = vd.Length * Vector<float>.Count; i < destination.Length; i++) destination[i] += x[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubtractFrom(Span<float> destination, ReadOnlySpan<float> x)
    {
        var vd = MemoryMarshal.Cast<float, Vector<float>>(destination);
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        for (int k = 0; k < vd.Length; k++) vd[k] -= vx[k];
        for (int i = vd.Length * Vector<float>.Count; i < destination.Length; i++) destination[i] -= x[i];
    }

    /// <summary>destination = x / n, a correctly rounded division per value (as the CUDA store kernel's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Divide(ReadOnlySpan<float> x, int n, Span<float> destination)
    {
        if (x.Length != destination.Length) throw new ArgumentException("HopfieldKernels.Divide: x and destination differ in length.");
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vd = MemoryMarshal.Cast<float, Vector<float>>(destination);
        var d = new Vector<float>((float)n);
        for (int k = 0; k < vd.Length; k++) vd[k] = vx[k] / d;
        for (int i = vd.Length * Vector<float>.Count; i < destination.Length; i++) destination[i] = x[i] / n;
    }
}
