namespace Compiled.Nets.Tests;

// Variational autoencoders as in tests/scripts/make_generative_golden_fixtures.py (→ Fixtures/golden_generative.json).

/// <summary>Two heads (μ, log σ²) through named inputs, the reparameterisation, a summed-per-sample reconstruction.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, Reduction = LossReduction.SumPerSample, Seed = 0)]
public partial class GoldenVae
{
    [Input(6)] public partial Layer X { get; }
    [Dense(5, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dense(3)] public partial Layer Mu { get; }
    [Dense(3, Input = nameof(Hidden))] public partial Layer LogVar { get; }
    [Reparameterize(nameof(Mu), nameof(LogVar))] public partial Layer Z { get; }
    [Dense(5, Activation.ReLU)] public partial Layer Up { get; }
    [Dense(6, Activation.Logistic)] public partial Layer Out { get; }
}

/// <summary>β = 0.25 and the default mean reduction.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 3)]
public partial class GoldenBetaVae
{
    [Input(6)] public partial Layer X { get; }
    [Dense(5, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dense(3)] public partial Layer Mu { get; }
    [Dense(3, Input = nameof(Hidden))] public partial Layer LogVar { get; }
    [Reparameterize(nameof(Mu), nameof(LogVar), Beta = 0.25f)] public partial Layer Z { get; }
    [Dense(5, Activation.ReLU)] public partial Layer Up { get; }
    [Dense(6, Activation.Logistic)] public partial Layer Out { get; }
}

/// <summary>The sparse autoencoder's KL penalty on a logistic code (Ng's notes): ρ = 0.1, β = 0.5.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
public partial class GoldenKlSparse
{
    [Input(6)] public partial Layer X { get; }
    [Dense(8, Activation.Logistic, SparsityTarget = 0.1f, SparsityWeight = 0.5f)] public partial Layer Hidden { get; }
    [Dense(6, Activation.Logistic)] public partial Layer Out { get; }
}

/// <summary>DCGAN's discriminator in miniature: a strided convolution with leaky ReLU 0.2, BatchNorm with leaky ReLU 0.2, a logistic output.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, Initialization = Initialization.DcganNormal)]
public partial class GoldenDcganDiscriminator
{
    [Input(1, 6, 6)] public partial Layer Image { get; }
    [Conv2D(3, 4, Activation.LeakyReLU, Slope = 0.2f, Stride = 2, PaddingSize = 1)] public partial Layer Down1 { get; }
    [Conv2D(4, 3, PaddingSize = 1)] public partial Layer Down2 { get; }
    [BatchNorm(Activation.LeakyReLU, Slope = 0.2f)] public partial Layer Norm { get; }
    [Dense(1, Activation.Logistic)] public partial Layer Real { get; }
}

/// <summary>DCGAN's generator in miniature: a latent 1 × 1 map, transposed convolutions, BatchNorm with ReLU, a tanh output.</summary>
[Network(Loss = Loss.MeanSquaredError, Initialization = Initialization.DcganNormal)]
public partial class GoldenDcganGenerator
{
    [Input(3, 1, 1)] public partial Layer Noise { get; }
    [ConvTranspose2D(4, 3)] public partial Layer Project { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer Norm1 { get; }
    [ConvTranspose2D(1, 4, Activation.Tanh, Stride = 2, PaddingSize = 1)] public partial Layer Image { get; }
}
