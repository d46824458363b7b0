using System;
using System.IO;
using System.Linq;
using Compiled.Nets.CompilerServices;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// The runtime half of a Hopfield memory (the generated class calls these with its constant N; its behaviour is tested in
/// Compiled.Nets.Tests.HopfieldTests): exact sums, local fields kept up to date flip by flip, and the kernels' own checks.
/// </summary>
public class HopfieldKernelTests
{
    private static sbyte[] Spins(int length, int seed)
    {
        var random = new SeededRandom(seed);
        return Enumerable.Range(0, length).Select(_ => (random.NextUInt32() & 1) == 0 ? (sbyte)-1 : (sbyte)1).ToArray();
    }

    private sealed class Memory
    {
        public readonly int N;
        public readonly float[] Hebbian, Weights, Spins, Field;
        public readonly int[] Flips, Previous, Order;

        public Memory(int n)
        {
            N = n;
            Hebbian = new float[n * n]; Weights = new float[n * n];
            Spins = new float[n]; Field = new float[n];
            Flips = new int[n]; Previous = new int[n]; Order = new int[n];
        }

        public void Store(sbyte[] patterns, int count) => HopfieldKernels.Store(Hebbian, Weights, patterns, count, N, Spins);

        /// <summary>C s computed afresh in long arithmetic.</summary>
        public long[] FreshField(ReadOnlySpan<sbyte> state)
        {
            var h = new long[N];
            for (int i = 0; i < N; i++)
                for (int j = 0; j < N; j++) h[i] += (long)Hebbian[i * N + j] * state[j];
            return h;
        }
    }

    [Theory]
    [InlineData(1)] [InlineData(7)] [InlineData(8)] [InlineData(15)] [InlineData(16)] [InlineData(17)] [InlineData(33)] [InlineData(1000)]
    public void Dot_is_exact_on_whole_numbers(int length)
    {
        var random = new SeededRandom(length);
        var x = Enumerable.Range(0, length).Select(_ => (float)(random.NextInt(2001) - 1000)).ToArray();
        var y = Enumerable.Range(0, length).Select(_ => (float)(random.NextInt(3) - 1)).ToArray();
        long expected = 0;
        for (int i = 0; i < length; i++) expected += (long)x[i] * (long)y[i];
        Assert.Equal(expected, (long)HopfieldKernels.Dot(x, y));
    }

    [Fact]
    public void Store_is_the_hebbian_rule_with_a_zero_diagonal()
    {
        const int n = 19, count = 6;
        var memory = new Memory(n);
        var patterns = Spins(n * count, 1);
        memory.Store(patterns, count);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                int c = i == j ? 0 : Enumerable.Range(0, count).Sum(k => patterns[k * n + i] * patterns[k * n + j]);
                Assert.Equal(c, memory.Hebbian[i * n + j]);
                Assert.Equal(c / (float)n, memory.Weights[i * n + j]);
            }
    }

    /// <summary>After either recall, the fields kept flip by flip are exactly the fields of the final state.</summary>
    [Theory]
    [InlineData(23, 2, 1)]
    [InlineData(64, 15, 2)]   // P/N ≈ 0.23: many flips, spurious states
    [InlineData(200, 10, 3)]
    public void Fields_kept_up_to_date_equal_fresh_ones(int n, int count, int seed)
    {
        var memory = new Memory(n);
        memory.Store(Spins(n * count, seed), count);
        for (int trial = 0; trial < 10; trial++)
        {
            var state = Spins(n, 100 * seed + trial);
            var result = HopfieldKernels.RecallAsynchronous(memory.Hebbian, state, 50, new SeededRandom(trial), n, memory.Spins, memory.Field, memory.Order);
            Assert.True(result.Converged);
            var fresh = memory.FreshField(state);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(fresh[i], (long)memory.Field[i]);
                Assert.True(fresh[i] * state[i] >= 0, "a converged state is aligned with its fields (or tied)");
            }

            state = Spins(n, 200 * seed + trial);
            result = HopfieldKernels.RecallSynchronous(memory.Hebbian, state, 50, n, memory.Spins, memory.Field, memory.Flips, memory.Previous);
            Assert.True(result.Converged || result.Cycled);
            fresh = memory.FreshField(state);
            for (int i = 0; i < n; i++) Assert.Equal(fresh[i], (long)memory.Field[i]);
        }
    }

    [Fact]
    public void Kernels_check_their_spans_before_touching_them()
    {
        var memory = new Memory(10);
        var pattern = Spins(10, 4);
        var e = Assert.Throws<ArgumentException>(() => HopfieldKernels.Store(memory.Hebbian.AsSpan(1), memory.Weights, pattern, 1, 10, memory.Spins));
        Assert.Contains("HopfieldKernels.Store: hebbian has length 99", e.Message);
        Assert.Throws<ArgumentException>(() => HopfieldKernels.Store(memory.Hebbian, memory.Weights, pattern, 2, 10, memory.Spins));
        Assert.Throws<ArgumentException>(() => HopfieldKernels.Store(memory.Hebbian, memory.Weights, pattern, 1, 10, new float[9]));
        Assert.Throws<ArgumentException>(() => HopfieldKernels.RecallSynchronous(memory.Hebbian, pattern, 5, 10, memory.Spins, new float[9], memory.Flips, memory.Previous));
        Assert.Throws<ArgumentException>(() => HopfieldKernels.RecallAsynchronous(memory.Hebbian, pattern, 5, new Random(1), 10, memory.Spins, memory.Field, new int[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => HopfieldKernels.RecallAsynchronous(memory.Hebbian, pattern, 0, new Random(1), 10, memory.Spins, memory.Field, memory.Order));
        Assert.Throws<ArgumentNullException>(() => HopfieldKernels.RecallAsynchronous(memory.Hebbian, pattern, 5, (SeededRandom)null!, 10, memory.Spins, memory.Field, memory.Order));
        Assert.Throws<ArgumentOutOfRangeException>(() => HopfieldKernels.Update(memory.Hebbian, pattern, 10, 10, memory.Spins));
        Assert.Throws<ArgumentException>(() => HopfieldKernels.Energy(memory.Hebbian, pattern.AsSpan(1), 10, memory.Spins));
        Assert.True(memory.Hebbian.All(c => c == 0f) && memory.Weights.All(w => w == 0f));
        Assert.Equal(Spins(10, 4), pattern);
    }

    [Fact]
    public void Checks_name_the_value_and_the_limit()
    {
        var e = Assert.Throws<ArgumentException>(() => HopfieldKernels.CheckState(new sbyte[] { 1, -1, 3 }, 3, "state", "M"));
        Assert.Equal("state[2] is 3, but a state of M holds only +1 and -1. (Parameter 'state')", e.Message);
        var limit = Assert.Throws<InvalidOperationException>(() => HopfieldKernels.CheckPatterns(new sbyte[] { 1, 1, 1 }, 1, 3, HopfieldKernels.MaxPatterns(3), "patterns", "M"));
        Assert.Contains("MaxPatterns = 8388608", limit.Message);
        Assert.Equal(1 << 24, HopfieldKernels.MaxPatterns(1));
        Assert.Equal((1 << 24) / 999, HopfieldKernels.MaxPatterns(1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => HopfieldKernels.MaxPatterns(0));
    }

    [Fact]
    public void Sums_from_weights_round_trip_and_refuse_what_hebb_cannot_make()
    {
        const int n = 12, count = 3;
        var memory = new Memory(n);
        memory.Store(Spins(n * count, 5), count);
        var sums = new float[n * n];
        HopfieldKernels.SumsFromWeights(memory.Weights, sums, n, count, "file");
        Assert.Equal(memory.Hebbian, sums);

        var wrong = (float[])memory.Weights.Clone();
        wrong[1] = 4f / n; wrong[n] = 4f / n; // |4| > 3 patterns
        var target = new float[n * n];
        var e = Assert.Throws<InvalidDataException>(() => HopfieldKernels.SumsFromWeights(wrong, target, n, count, "file"));
        Assert.StartsWith("file: weight[0, 1]", e.Message);
        Assert.True(target.All(v => v == 0f));
    }
}
