using System;
using System.Linq;
using Compiled.Nets.Optimizers;
using Compiled.Nets.Training;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>Adversarial training through the composition API: a GAN on a 1-D distribution, and CycleGAN's cycle in miniature.</summary>
public class AdversarialTests
{
    private readonly ITestOutputHelper _output;
    public AdversarialTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void A_gan_learns_a_normal_distribution_through_its_discriminator()
    {
        using var generator = new ToyGenerator { Optimizer = new Adam(1e-3f, beta1: 0.5f) };
        using var discriminator = new ToyDiscriminator { Optimizer = new Adam(1e-3f, beta1: 0.5f) };
        const int batch = 64;
        var gan = new AdversarialTraining(generator, discriminator, batch);
        var random = new SeededRandom(9);
        var real = new float[batch];
        var noise = new float[batch * 4];
        AdversarialLosses losses = default;
        for (int step = 0; step < 3000; step++)
        {
            for (int i = 0; i < batch; i++) real[i] = 2f + 0.5f * random.NextGaussian();
            for (int i = 0; i < noise.Length; i++) noise[i] = random.NextGaussian();
            losses = gan.Step(real, noise);
        }
        var z = Enumerable.Range(0, 4000).Select(_ => random.NextGaussian()).ToArray();
        var samples = new float[1000];
        generator.Predict(z, samples);
        double mean = samples.Average(), std = Math.Sqrt(samples.Average(s => (s - mean) * (s - mean)));
        _output.WriteLine($"after 3000 steps: generated mean {mean:F3}, std {std:F3} (real 2, 0.5); losses D {losses.Discriminator:F3}, G {losses.Generator:F3}");
        Assert.InRange(mean, 1.75, 2.25);
        Assert.InRange(std, 0.25, 0.8);
    }

    [Fact]
    public void A_step_is_refused_for_mismatched_networks_and_batches()
    {
        using var generator = new ToyGenerator();
        using var discriminator = new PointCritic();
        Assert.Throws<ArgumentException>(() => new AdversarialTraining(generator, discriminator, 8));
        using var toy = new ToyDiscriminator();
        var gan = new AdversarialTraining(generator, toy, 8);
        Assert.Throws<ArgumentException>(() => gan.Step(new float[7], new float[32]));
        Assert.Throws<ArgumentException>(() => gan.Step(new float[8], new float[31]));
    }

    /// <summary>
    /// CycleGAN's generator step (Zhu et al. 2017) in miniature: A → B → A with the cycle-consistency loss λ‖F(G(a)) − a‖²,
    /// plus the adversarial loss of a discriminator of B on G(a); the gradients run back through F into G by Backward.
    /// </summary>
    [Fact]
    public void A_cycle_through_two_generators_with_a_discriminator_is_trained_by_composition()
    {
        using var forward = new PointMapAB { Optimizer = new Adam(1e-2f, beta1: 0.5f) };
        using var backward = new PointMapBA { Optimizer = new Adam(1e-2f, beta1: 0.5f) };
        using var critic = new PointCritic { Optimizer = new Adam(1e-3f, beta1: 0.5f) };
        const int batch = 32;
        const float lambda = 10f;
        var random = new SeededRandom(10);
        float[] a = new float[batch * 2], b = new float[batch * 2], back = new float[batch * 2];
        float[] dBack = new float[batch * 2], dB = new float[batch * 2], dAdversarial = new float[batch * 2];
        double CycleLoss()
        {
            double sum = 0;
            for (int i = 0; i < a.Length; i++) sum += (back[i] - a[i]) * (back[i] - a[i]);
            return sum / batch;
        }
        double first = 0, last = 0;
        for (int step = 0; step < 600; step++)
        {
            for (int i = 0; i < a.Length; i++) a[i] = random.NextFloat() * 2 - 1;
            forward.ForwardTraining(a, b, batch);
            backward.ForwardTraining(b, back, batch);
            double cycle = CycleLoss();
            if (step == 0) first = cycle;
            last = cycle;
            // ∂(λ/B Σ‖F(G(a)) − a‖²)/∂F(G(a)), back through F to G(a).
            for (int i = 0; i < a.Length; i++) dBack[i] = lambda * 2 * (back[i] - a[i]) / batch;
            backward.Backward(dBack, dB);
            // The adversarial term at G(a): the critic's non-saturating gradient, added to the cycle's.
            critic.InputGradient(b, Enumerable.Repeat(1f, batch).ToArray(), batch, dAdversarial);
            for (int i = 0; i < dB.Length; i++) dB[i] += dAdversarial[i];
            forward.Backward(dB);
            forward.ApplyGradients();
            backward.ApplyGradients();
            // The critic learns B's real points (a rotated square) against G's.
            var real = Enumerable.Range(0, batch).SelectMany(_ => { float x = random.NextFloat() * 2 - 1, y = random.NextFloat() * 2 - 1; return new[] { -y, x }; });
            critic.TrainStep(real.Concat(b).ToArray(), Enumerable.Repeat(1f, batch).Concat(Enumerable.Repeat(0f, batch)).ToArray(), 2 * batch);
        }
        _output.WriteLine($"cycle loss {first:F4} → {last:F4}");
        Assert.True(last < first / 10, $"the cycle loss went from {first:F4} to {last:F4}");
    }
}
