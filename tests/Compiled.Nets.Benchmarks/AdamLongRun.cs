using System;
using System.Diagnostics;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// Adam's step time over a long run (`--adam-long-run [steps]`): ReferenceComparison's MLP and fixed batch, trained step
/// after step, with the time per step and the subnormal values in Adam's moment estimates printed per 10,000-step window.
/// BenchmarkDotNet's Adam step grew from 1.06 to 1.55 ms over a run on an Intel Xeon: a weight whose gradient is exactly
/// zero every step (a unit that the fixed batch never activates) decays its m and v towards 0, and on Intel cores each
/// operation on a subnormal value takes a microcode assist. Plain SGD on the same model is timed first for the ratio.
/// </summary>
internal static class AdamLongRun
{
    private const int Window = 10_000;

    public static void Run(int steps)
    {
        var bench = new ReferenceComparison();
        bench.Setup();
        // Warm up both (tiered compilation) before the clock starts.
        for (int i = 0; i < 200; i++) bench.TrainMlpBatch64();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Window; i++) bench.TrainMlpBatch64();
        double sgd = clock.Elapsed.TotalMilliseconds / Window;
        Console.WriteLine($"SGD: {sgd:F3} ms per step over {Window:N0} steps");
        Console.WriteLine("Adam, per window: steps, ms per step, ratio to SGD, subnormal values in m and in v (of n each)");
        for (int done = 0; done < steps; done += Window)
        {
            clock.Restart();
            for (int i = 0; i < Window; i++) bench.TrainMlpBatch64Adam();
            double adam = clock.Elapsed.TotalMilliseconds / Window;
            ReadOnlySpan<float> state = bench.MlpAdamOptimizer.State;
            int n = state.Length / 2;
            Console.WriteLine($"{done + 1,7:N0}–{done + Window,7:N0}  {adam:F3} ms  {adam / sgd:F2}×  m {Subnormals(state.Slice(0, n)),6:N0}  v {Subnormals(state.Slice(n)),6:N0}  (n = {n:N0})");
        }
    }

    private static int Subnormals(ReadOnlySpan<float> values)
    {
        int count = 0;
        foreach (float value in values)
            if (float.IsSubnormal(value)) count++;
        return count;
    }
}
