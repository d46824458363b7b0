using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Compiled.Nets;

namespace Compiled.Nets.Samples.Hopfield;

/// <summary>Recall at one load P/N: how many noisy probes came back to their pattern.</summary>
/// <param name="Neurons">N.</param>
/// <param name="Load">The load asked for, P/N.</param>
/// <param name="Patterns">P = max(1, round(load · N)) patterns stored.</param>
/// <param name="Probes">Probes recalled (stored patterns with <see cref="CapacityExperiment.FlipFraction"/> of their bits flipped).</param>
/// <param name="Recalled">Probes whose recall ended with overlap ≥ <see cref="CapacityExperiment.OverlapThreshold"/> with their pattern.</param>
/// <param name="Exact">Probes whose recall ended exactly at their pattern.</param>
/// <param name="MeanOverlap">The mean final overlap m = (1/N) Σ_i s_i p_i.</param>
public sealed record CapacityPoint(int Neurons, double Load, int Patterns, int Probes, int Recalled, int Exact, double MeanOverlap)
{
    /// <summary>The recall success: the fraction of probes recalled (overlap ≥ 0.99).</summary>
    public double Success => Probes == 0 ? double.NaN : (double)Recalled / Probes;

    /// <summary>The fraction of probes recalled exactly, every bit.</summary>
    public double ExactSuccess => Probes == 0 ? double.NaN : (double)Exact / Probes;
}

/// <summary>
/// The capacity experiment: store P random ±1 patterns in an N-neuron memory, flip 10% of the bits of a stored pattern,
/// recall it asynchronously, and count the recall a success when the final state's overlap with the pattern is at least
/// 0.99 (at most 0.5% of the bits wrong). Hebb's rule holds about 0.138 N patterns (Amit, Gutfreund and Sompolinsky): the
/// retrieval states, with overlap ≈ 0.97 and more, exist below that load and vanish above it.
/// </summary>
public static class CapacityExperiment
{
    /// <summary>The fraction of a pattern's bits flipped to make its probe (exactly round(0.1 N) distinct bits).</summary>
    public const double FlipFraction = 0.1;

    /// <summary>A recall succeeds when the final overlap with the pattern is at least this.</summary>
    public const double OverlapThreshold = 0.99;

    /// <summary>Sweeps an asynchronous recall may take; it converges long before (a few sweeps).</summary>
    public const int MaxSweeps = 100;

    /// <summary>The loads 0.01, 0.02, …, 0.25.</summary>
    public static double[] DefaultLoads()
    {
        var loads = new double[25];
        for (int i = 0; i < loads.Length; i++) loads[i] = Math.Round(0.01 * (i + 1), 2);
        return loads;
    }

    /// <summary>
    /// Runs <paramref name="trials"/> trials on memories made by <paramref name="create"/>. Each trial draws its own random
    /// patterns (from <paramref name="seed"/>, N and the trial's number), stores them load after load (Hebb's rule
    /// accumulates, so storing more patterns continues the same memory), and at each load recalls
    /// min(P, <paramref name="probesPerTrial"/>) of the stored patterns from noisy probes. Trials run in parallel, one
    /// memory per worker; the counts do not depend on the schedule.
    /// </summary>
    public static IReadOnlyList<CapacityPoint> Run(Func<IHopfieldMemory> create, IReadOnlyList<double> loads, int trials, int probesPerTrial,
        int seed, IProgress<int>? trialDone = null, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(loads);
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(probesPerTrial, 1);
        int n = create().Neurons;
        var patternCounts = new int[loads.Count];
        for (int l = 0; l < loads.Count; l++)
        {
            if (l > 0 && loads[l] <= loads[l - 1]) throw new ArgumentException("The loads must increase.", nameof(loads));
            patternCounts[l] = Math.Max(1, (int)Math.Round(loads[l] * n));
        }
        int maxPatterns = patternCounts[^1];
        int flips = (int)Math.Round(FlipFraction * n);

        var probes = new long[loads.Count];
        var recalled = new long[loads.Count];
        var exact = new long[loads.Count];
        var overlapSums = new long[loads.Count]; // Σ over probes of Σ_i s_i p_i: whole numbers, so the sum is schedule-independent
        var gate = new object();
        int done = 0;
        Parallel.For(0, trials, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => new Worker(create(), n, maxPatterns, loads.Count),
            (trial, _, worker) =>
            {
                worker.RunTrial(seed, trial, patternCounts, probesPerTrial, flips);
                trialDone?.Report(Interlocked.Increment(ref done));
                return worker;
            },
            worker =>
            {
                lock (gate)
                {
                    for (int l = 0; l < loads.Count; l++)
                    {
                        probes[l] += worker.Probes[l];
                        recalled[l] += worker.Recalled[l];
                        exact[l] += worker.Exact[l];
                        overlapSums[l] += worker.OverlapSums[l];
                    }
                }
            });

        var points = new CapacityPoint[loads.Count];
        for (int l = 0; l < loads.Count; l++)
            points[l] = new CapacityPoint(n, loads[l], patternCounts[l], (int)probes[l], (int)recalled[l], (int)exact[l],
                probes[l] == 0 ? double.NaN : overlapSums[l] / ((double)probes[l] * n));
        return points;
    }

    /// <summary>
    /// The load at which the recall success first falls below 50%, interpolated linearly between the two loads around the
    /// crossing; null when it never does.
    /// </summary>
    public static double? HalfRecallLoad(IReadOnlyList<CapacityPoint> points)
    {
        for (int i = 0; i < points.Count; i++)
        {
            if (!(points[i].Success < 0.5)) continue;
            if (i == 0) return points[0].Load;
            var (a, b) = (points[i - 1], points[i]);
            return a.Load + (a.Success - 0.5) / (a.Success - b.Success) * (b.Load - a.Load);
        }
        return null;
    }

    /// <summary>One worker's memory, patterns, probe and counts.</summary>
    private sealed class Worker
    {
        private readonly IHopfieldMemory _memory;
        private readonly int _n;
        private readonly sbyte[] _patterns;
        private readonly sbyte[] _probe;
        private readonly int[] _indices;
        private readonly int[] _chosen;

        public readonly long[] Probes, Recalled, Exact, OverlapSums;

        public Worker(IHopfieldMemory memory, int n, int maxPatterns, int loads)
        {
            _memory = memory;
            _n = n;
            _patterns = new sbyte[maxPatterns * n];
            _probe = new sbyte[n];
            _indices = new int[n];
            _chosen = new int[maxPatterns];
            Probes = new long[loads]; Recalled = new long[loads]; Exact = new long[loads]; OverlapSums = new long[loads];
        }

        public void RunTrial(int seed, int trial, int[] patternCounts, int probesPerTrial, int flips)
        {
            var random = new SeededRandom(((long)seed << 40) ^ ((long)_n << 20) ^ trial);
            for (int k = 0; k < _patterns.Length; k++) _patterns[k] = (random.NextUInt32() & 1) == 0 ? (sbyte)-1 : (sbyte)1;
            _memory.Clear();
            int stored = 0;
            for (int l = 0; l < patternCounts.Length; l++)
            {
                int p = patternCounts[l];
                if (p > stored)
                {
                    _memory.Store(_patterns.AsSpan(stored * _n, (p - stored) * _n), p - stored);
                    stored = p;
                }
                // Which stored patterns to probe: a random subset of min(P, probesPerTrial).
                int count = Math.Min(p, probesPerTrial);
                for (int k = 0; k < p; k++) _chosen[k] = k;
                for (int k = 0; k < count; k++)
                {
                    int j = k + random.NextInt(p - k);
                    (_chosen[k], _chosen[j]) = (_chosen[j], _chosen[k]);
                }
                for (int k = 0; k < count; k++)
                {
                    var pattern = _patterns.AsSpan(_chosen[k] * _n, _n);
                    pattern.CopyTo(_probe);
                    // Exactly `flips` distinct bits: the first of a random order of the neurons.
                    for (int i = 0; i < _n; i++) _indices[i] = i;
                    for (int i = 0; i < flips; i++)
                    {
                        int j = i + random.NextInt(_n - i);
                        (_indices[i], _indices[j]) = (_indices[j], _indices[i]);
                        _probe[_indices[i]] = (sbyte)-_probe[_indices[i]];
                    }
                    _memory.RecallAsynchronous(_probe, MaxSweeps, (int)random.NextUInt32());
                    int dot = 0;
                    for (int i = 0; i < _n; i++) dot += _probe[i] * pattern[i];
                    Probes[l]++;
                    OverlapSums[l] += dot;
                    if (dot >= OverlapThreshold * _n) Recalled[l]++;
                    if (dot == _n) Exact[l]++;
                }
            }
        }
    }
}
