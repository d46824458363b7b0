using System;

namespace Compiled.Nets;

/// <summary>
/// Local response normalisation across channels, exactly PyTorch's <c>nn.LocalResponseNorm(size, alpha, beta, k)</c>:
/// b_c = a_c / (k + α/n · Σ a_{c'}²)^β over the window of n = <see cref="Size"/> channels c' from c − ⌊n/2⌋ to
/// c + ⌊(n − 1)/2⌋, channels outside counted as zeros. Reads feature maps [C, H, W] or [C, L]; no parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class LocalResponseNormAttribute : LayerAttribute
{
    /// <summary>Local response normalisation over <paramref name="size"/> neighbouring channels.</summary>
    public LocalResponseNormAttribute(int size) => Size = size;

    /// <summary>The number of neighbouring channels n in the sum (1 or more).</summary>
    public int Size { get; }

    /// <summary>The multiplicative factor α (PyTorch's default 1e-4); the sum is divided by n.</summary>
    public float Alpha { get; set; } = 1e-4f;

    /// <summary>The exponent β (PyTorch's default 0.75).</summary>
    public float Beta { get; set; } = 0.75f;

    /// <summary>The additive constant k (PyTorch's default 1), positive.</summary>
    public float K { get; set; } = 1f;
}

/// <summary>
/// Local contrast normalisation (Jarrett et al. 2009), subtractive then divisive, over a <see cref="Size"/>×<see cref="Size"/>
/// spatial window across every channel, zero padded ([C, L] inputs: a window of Size positions). With N = C · Size²
/// values per window: m = Σ x / N, v = x − m, σ = √(Σ v² / N), y = v / max(σ, ε). See docs/cnn.md.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class LocalContrastNormAttribute : LayerAttribute
{
    /// <summary>Local contrast normalisation over a <paramref name="size"/>×<paramref name="size"/> window.</summary>
    public LocalContrastNormAttribute(int size) => Size = size;

    /// <summary>The window's side, odd (the window is centred on each position).</summary>
    public int Size { get; }

    /// <summary>The floor ε of the divisor, positive: flat regions are not amplified beyond 1/ε.</summary>
    public float Epsilon { get; set; } = 1e-4f;
}

/// <summary>
/// Additive Gaussian noise N(0, σ²) on every value while training (Keras's <c>GaussianNoise</c>, the denoising
/// autoencoder's corruption); the identity at inference. The noise is drawn from the network's seeded random stream.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class GaussianNoiseAttribute : LayerAttribute
{
    /// <summary>Gaussian noise of standard deviation <paramref name="sigma"/>.</summary>
    public GaussianNoiseAttribute(float sigma) => Sigma = sigma;

    /// <summary>The standard deviation σ of the noise, 0 or more.</summary>
    public float Sigma { get; }
}

/// <summary>
/// Masking noise (Vincent et al. 2008): while training each value is set to 0 with probability <see cref="Rate"/>,
/// the others kept as they are (no 1/(1 − rate) rescaling, unlike dropout); the identity at inference.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class MaskingNoiseAttribute : LayerAttribute
{
    /// <summary>Masking noise that zeroes each value with probability <paramref name="rate"/>.</summary>
    public MaskingNoiseAttribute(float rate) => Rate = rate;

    /// <summary>The probability of zeroing a value, in [0, 1).</summary>
    public float Rate { get; }
}
