namespace Compiled.Nets.Tests;

// Networks with local normalisation and noise layers, shared by the golden, gradient, statistical and emulated-CUDA
// tests. The fixture script tests/scripts/make_normalization_golden_fixtures.py declares the same networks by name.

/// <summary>Conv2D → ReLU → LRN (an even window: one more channel before than after) → MaxPool → Dense.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 61)]
public partial class LrnConvNet
{
    [Input(2, 6, 6)] public partial Layer Image { get; }
    [Conv2D(5, 3, Activation.ReLU)] public partial Layer Conv { get; }
    [LocalResponseNorm(4, Alpha = 0.5f, Beta = 0.75f, K = 1f)] public partial Layer Lrn { get; }
    [MaxPool(2)] public partial Layer Pool { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Output { get; }
}

/// <summary>1-D maps: Conv1D → LRN with PyTorch-far settings → LCN over 3 positions → Dense.</summary>
[Network(Loss = Loss.MeanSquaredError, Seed = 62)]
public partial class LrnLcn1DNet
{
    [Input(3, 8)] public partial Layer Signal { get; }
    [Conv1D(4, 3, Activation.Tanh)] public partial Layer Conv { get; }
    [LocalResponseNorm(3, Alpha = 1f, Beta = 0.5f, K = 2f)] public partial Layer Lrn { get; }
    [LocalContrastNorm(3)] public partial Layer Lcn { get; }
    [Dense(2)] public partial Layer Output { get; }
}

/// <summary>Conv2D (same) → LCN over 5×5 windows of all channels → AvgPool → Dense logistic.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 63)]
public partial class LcnConvNet
{
    [Input(2, 6, 6)] public partial Layer Image { get; }
    [Conv2D(3, 3, Activation.Tanh, Padding = Padding.Same)] public partial Layer Conv { get; }
    [LocalContrastNorm(5)] public partial Layer Lcn { get; }
    [AvgPool(2)] public partial Layer Pool { get; }
    [Dense(2, Activation.Logistic)] public partial Layer Output { get; }
}

/// <summary>Gaussian then masking noise between Dense layers: random streams 0 and 1, seed 0.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class NoisyNet
{
    [Input(6)] public partial Layer X { get; }
    [Dense(7, Activation.Tanh)] public partial Layer Hidden { get; }
    [GaussianNoise(0.4f)] public partial Layer Jitter { get; }
    [Dense(5, Activation.ReLU)] public partial Layer Second { get; }
    [MaskingNoise(0.3f)] public partial Layer Mask { get; }
    [Dense(3)] public partial Layer Output { get; }
}

/// <summary>The noise layers over feature maps, for the statistical tests: the corrupted image is the output of a wide layer.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class NoiseOnlyNet
{
    [Input(1, 4, 4)] public partial Layer Image { get; }
    [Conv2D(1, 1, Activation.Linear)] public partial Layer Copy { get; }
    [GaussianNoise(0.5f)] public partial Layer Jitter { get; }
    [MaskingNoise(0.2f)] public partial Layer Mask { get; }
    [Conv2D(1, 1, Activation.Linear)] public partial Layer Output { get; }
}

// The snippet of docs/autoencoders.md, verbatim.
/// <summary>A denoising autoencoder: a quarter of each input's pixels masked while training, reconstructed from 8 codes.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 7)]
public partial class DenoisingAutoencoder
{
    [Input(16)] public partial Layer Pixels { get; }
    [MaskingNoise(0.25f)] public partial Layer Corrupted { get; }
    [Dense(8, Activation.Logistic)] public partial Layer Code { get; }
    [Dense(16, Activation.Logistic)] public partial Layer Reconstruction { get; }
}
