using System;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// Per-call overhead of the smallest network, split by what each call adds: `--quick-xor`. Best of 2,000 short timed runs (about 0.4 ms each)
/// after a warm-up, so other work on the machine inflates the numbers less than a mean would.
/// </summary>
public static class QuickXor
{
    public static void Run()
    {
        var net = new XorNet();
        float[] one = { 1f, 0f }, output = new float[1];
        float[] inputs = { 0, 0, 0, 1, 1, 0, 1, 1 }, targets = { 0, 1, 1, 0 };
        // 2,000 runs of about 0.4 ms each: short enough that some run gets a time slice to itself.
        static double Best(Action action) => BestOf.SecondsPerCall(action, 0.5, 2000, 0.4e-3) * 1e9;
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
