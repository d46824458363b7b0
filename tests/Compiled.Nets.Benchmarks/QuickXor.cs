using System;
using System.Diagnostics;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// Per-call overhead of the smallest network, split by what each call adds: `--quick-xor`. Best of 2,000 short timed runs (0.5 ms each)
/// after a warm-up, so other work on the machine inflates the numbers less than a mean would.
/// </summary>
public static class QuickXor
{
    public static void Run()
    {
        var net = new XorNet();
        float[] one = { 1f, 0f }, output = new float[1];
        float[] inputs = { 0, 0, 0, 1, 1, 0, 1, 1 }, targets = { 0, 1, 1, 0 };
        static double Best(Action action)
        {
            var warm = Stopwatch.StartNew();
            while (warm.Elapsed.TotalSeconds < 0.5) action();
            double best = double.MaxValue;
            // Many short runs, the fastest kept: on a shared machine most runs are interrupted at some point.
            const int iterations = 2_000;
            for (int r = 0; r < 2000; r++)
            {
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < iterations; i++) action();
                best = Math.Min(best, clock.Elapsed.TotalSeconds * 1e9 / iterations);
            }
            return best;
        }
        double forward = Best(() => net.Forward(one, output));
        double evaluate = Best(() => net.EvaluateLoss(inputs, targets, 4));
        double gradients = Best(() => net.ComputeGradients(inputs, targets, 4));
        double step = Best(() => net.TrainStep(inputs, targets, 4));
        Console.WriteLine($"XOR Forward, batch 1:           {forward,7:F1} ns");
        Console.WriteLine($"XOR EvaluateLoss, batch 4:      {evaluate,7:F1} ns  (checks, forward, loss)");
        Console.WriteLine($"XOR ComputeGradients, batch 4:  {gradients,7:F1} ns  (+ backward, finiteness: {gradients - evaluate:F1} ns)");
        Console.WriteLine($"XOR TrainStep, batch 4:         {step,7:F1} ns  (+ update: {step - gradients:F1} ns); {1e3 / step:F2} M steps/s");
    }
}
