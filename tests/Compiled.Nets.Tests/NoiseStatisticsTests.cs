using System;
using System.Linq;
using Compiled.Nets.CompilerServices;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// The noise layers in training, statistically: Gaussian noise has mean 0 and standard deviation σ, masking noise zeroes
/// a fraction rate and keeps the rest unscaled, each within 3 standard errors over at least 10⁵ draws; the generated
/// network agrees (its training loss on zero inputs is E[(mask σ z)²] = (1 − rate) σ²), and is the identity at inference.
/// </summary>
public class NoiseStatisticsTests
{
    private readonly ITestOutputHelper _output;
    public NoiseStatisticsTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Gaussian_noise_has_mean_zero_and_standard_deviation_sigma()
    {
        const int n = 200_000;
        const float sigma = 0.7f;
        var x = new float[n];
        var y = new float[n];
        NoiseKernels.GaussianForwardTraining(x, y, sigma, CounterRandom.Seed(5), CounterRandom.Step(3), 2);
        double mean = y.Average(v => (double)v);
        double std = Math.Sqrt(y.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        double withinOne = y.Count(v => Math.Abs(v) < sigma) / (double)n;
        _output.WriteLine($"{n} draws: mean {mean:F5}, std {std:F5} (σ {sigma}), P(|z| < 1) {withinOne:F4}");
        Assert.InRange(mean, -3 * sigma / Math.Sqrt(n), 3 * sigma / Math.Sqrt(n));
        Assert.InRange(std, sigma - 3 * sigma / Math.Sqrt(2.0 * n), sigma + 3 * sigma / Math.Sqrt(2.0 * n));
        const double p = 0.682689492;  // a normal's mass within one σ
        Assert.InRange(withinOne, p - 3 * Math.Sqrt(p * (1 - p) / n), p + 3 * Math.Sqrt(p * (1 - p) / n));
        // Additive: the input comes through.
        var shifted = Enumerable.Repeat(2f, n).ToArray();
        var z = new float[n];
        NoiseKernels.GaussianForwardTraining(shifted, z, sigma, CounterRandom.Seed(5), CounterRandom.Step(3), 2);
        for (int i = 0; i < 100; i++) Assert.Equal(y[i] + 2f, z[i], 5);
        // Another step, other noise; the same step, the same noise.
        var again = new float[n];
        NoiseKernels.GaussianForwardTraining(x, again, sigma, CounterRandom.Seed(5), CounterRandom.Step(4), 2);
        Assert.NotEqual(y.Take(100), again.Take(100));
        NoiseKernels.GaussianForwardTraining(x, again, sigma, CounterRandom.Seed(5), CounterRandom.Step(3), 2);
        Assert.Equal(y, again);
    }

    [Fact]
    public void Masking_noise_zeroes_a_fraction_rate_without_rescaling_and_the_gradient_follows_the_mask()
    {
        const int n = 150_000;
        const float rate = 0.3f;
        var x = TestData.Random(n, seed: 9).Select(v => v + 3f).ToArray();  // never 0
        var y = new float[n];
        var mask = new float[n];
        NoiseKernels.MaskingForwardTraining(x, y, mask, rate, CounterRandom.Seed(1), CounterRandom.Step(0), 0);
        double zeroed = y.Count(v => v == 0f) / (double)n;
        _output.WriteLine($"{n} values: {zeroed:P2} masked (rate {rate:P0})");
        double se = Math.Sqrt(rate * (1 - rate) / n);
        Assert.InRange(zeroed, rate - 3 * se, rate + 3 * se);
        for (int i = 0; i < n; i++)
        {
            Assert.True(mask[i] == 0f || mask[i] == 1f);
            Assert.Equal(mask[i] == 0f ? 0f : x[i], y[i]);
        }
        var dy = TestData.Random(n, seed: 10);
        var dx = new float[n];
        DropoutKernels.Backward(dy, mask, x, dx, default(LinearActivation));
        for (int i = 0; i < n; i++) Assert.Equal(mask[i] * dy[i], dx[i]);
    }

    [Fact]
    public void The_network_corrupts_only_while_training()
    {
        // Copy and Output are 1×1 convolutions set to the identity: y = mask ⊙ (x + σ z) while training, y = x at inference.
        var net = new NoiseOnlyNet();
        net.Copy.Weight.Fill(1f); net.Copy.Bias.Clear();
        net.Output.Weight.Fill(1f); net.Output.Bias.Clear();
        const int batch = 8192;  // 131,072 values
        int width = net.InputLength;
        var inputs = TestData.Random(batch * width, seed: 4);
        var outputs = new float[inputs.Length];
        net.Predict(inputs, outputs);
        Assert.Equal(inputs, outputs);

        var zeros = new float[batch * width];
        float loss = net.EvaluateLoss(zeros, zeros, batch, training: true);
        double n = batch * width, sigma2 = 0.25, keep = 0.8;
        double expected = keep * sigma2, se = Math.Sqrt(keep * 3 * sigma2 * sigma2 - expected * expected) / Math.Sqrt(n);
        _output.WriteLine($"training MSE on zeros {loss:F5}, expected (1 − rate) σ² = {expected:F5} ± {3 * se:F5}");
        Assert.InRange(loss, expected - 3 * se, expected + 3 * se);
        Assert.Equal(0f, net.EvaluateLoss(zeros, zeros, batch, training: false));
    }

    [Fact]
    public void The_denoising_autoencoder_learns_to_reconstruct()
    {
        var net = new DenoisingAutoencoder();
        const int batch = 32;
        // Eight 4×4 patterns (rows and columns), each clean image its own target.
        var images = new float[batch * 16];
        for (int b = 0; b < batch; b++)
            for (int p = 0; p < 16; p++)
                images[b * 16 + p] = (b % 8 < 4 ? p / 4 == b % 4 : p % 4 == b % 4) ? 0.95f : 0.05f;
        net.LearningRate = 0.5f;
        float first = net.EvaluateLoss(images, images, batch);
        for (int step = 0; step < 400; step++) net.TrainStep(images, images, batch);
        float last = net.EvaluateLoss(images, images, batch);
        _output.WriteLine($"reconstruction BCE {first:F4} → {last:F4}");
        Assert.True(last < 0.8f * first, $"loss {first} → {last}");
    }
}
