using System;

namespace Compiled.Nets.Training;

/// <summary>The losses of one adversarial step: the discriminator's on real and fake samples, the generator's non-saturating one.</summary>
/// <param name="Discriminator">The discriminator's loss, on the real and the fake batch.</param>
/// <param name="Generator">The generator's non-saturating loss.</param>
public readonly record struct AdversarialLosses(float Discriminator, float Generator);

/// <summary>
/// A generative adversarial network's training step (Goodfellow et al. 2014, with the non-saturating generator loss), from
/// two networks composed: a generator from noise to samples, and a discriminator from samples to one logistic output
/// trained with binary cross-entropy. DCGAN's guidelines (Radford et al. 2016) are the networks' to follow: transposed
/// convolutions, BatchNorm, LeakyReLU 0.2, a tanh output, Adam 2·10⁻⁴ with β₁ = 0.5 (<c>new Adam(2e-4f, beta1: 0.5f)</c>),
/// weights from N(0, 0.02). The step allocates its buffers once, for the batch size given to the constructor.
/// </summary>
public sealed class AdversarialTraining
{
    private readonly IComposableNetwork _generator;
    private readonly IComposableNetwork _discriminator;
    private readonly int _batch;
    private readonly float[] _fake, _zeros, _ones, _fakeGradient;

    /// <summary>Steps for <paramref name="generator"/> and <paramref name="discriminator"/> on batches of <paramref name="batchSize"/>; the generator's output must be the discriminator's input.</summary>
    public AdversarialTraining(IComposableNetwork generator, IComposableNetwork discriminator, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(discriminator);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        if (generator.OutputLength != discriminator.InputLength)
            throw new ArgumentException($"The generator makes samples of {generator.OutputLength} values, but the discriminator reads {discriminator.InputLength}.", nameof(discriminator));
        if (discriminator.OutputLength != 1)
            throw new ArgumentException($"The discriminator has {discriminator.OutputLength} outputs; it needs one, the probability that a sample is real.", nameof(discriminator));
        _generator = generator;
        _discriminator = discriminator;
        _batch = batchSize;
        int sample = generator.OutputLength;
        _fake = new float[batchSize * sample];
        _zeros = new float[batchSize];
        _ones = new float[batchSize];
        _ones.AsSpan().Fill(1f);
        _fakeGradient = new float[batchSize * sample];
    }

    /// <summary>The last step's generated samples (batch × sample values).</summary>
    public ReadOnlySpan<float> Fakes => _fake;

    /// <summary>
    /// One step, as PyTorch's DCGAN example takes it. The discriminator sums the gradients of its loss on the real batch
    /// (label 1) and on the generator's batch (label 0), each run as a batch of its own so that BatchNorm normalises real
    /// and fake samples by their own statistics (a mixed batch lets it tell them apart by the statistics alone, and then
    /// a fake-only batch fools it for nothing); one optimizer step. Then, with the discriminator left as it is, the
    /// generator steps along the gradient of −log D(G(z)) at its samples (the discriminator's
    /// <see cref="IComposableNetwork.InputGradient"/> with label 1), backpropagated through it. The discriminator's loss
    /// returned is the sum of its two mean losses (PyTorch's errD_real + errD_fake).
    /// </summary>
    public AdversarialLosses Step(ReadOnlySpan<float> real, ReadOnlySpan<float> noise)
    {
        int sample = _generator.OutputLength;
        Guard.Length(real.Length, _batch * sample, nameof(real), $"a batch of {_batch} real samples of {sample} values");
        Guard.Length(noise.Length, _batch * _generator.InputLength, nameof(noise), $"a batch of {_batch} noise vectors of {_generator.InputLength} values");
        _generator.ForwardTraining(noise, _fake, _batch);
        float discriminatorLoss = _discriminator.ComputeGradients(real, _ones, _batch);
        discriminatorLoss += _discriminator.AddGradients(_fake, _zeros, _batch);
        _discriminator.ApplyGradients();
        // The generator's step: the discriminator's parameters and gradients are not touched.
        float generatorLoss = _discriminator.InputGradient(_fake, _ones, _batch, _fakeGradient);
        _generator.Backward(_fakeGradient);
        _generator.ApplyGradients();
        return new AdversarialLosses(discriminatorLoss, generatorLoss);
    }
}
