namespace Compiled.Nets.Tests;

// Networks of Plan v2's first users: tied weights and activity penalties, declared as in the PyTorch fixture
// (tests/scripts/make_plan_golden_fixtures.py → Fixtures/golden_plan.json).

/// <summary>A tied autoencoder: the decoder uses the encoder's weight transposed.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
public partial class GoldenTiedAutoencoder
{
    [Input(6)] public partial Layer X { get; }
    [Dense(3, Activation.Tanh)] public partial Layer Encoder { get; }
    [Dense(6, Activation.Logistic, TiedTo = nameof(Encoder))] public partial Layer Decoder { get; }
}

/// <summary>Two tied pairs, mirrored: D2 uses E2's weight, D1 uses E1's.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenTiedDeep
{
    [Input(5)] public partial Layer X { get; }
    [Dense(4, Activation.ReLU)] public partial Layer E1 { get; }
    [Dense(3, Activation.Tanh)] public partial Layer E2 { get; }
    [Dense(4, Activation.ReLU, TiedTo = nameof(E2))] public partial Layer D2 { get; }
    [Dense(5, TiedTo = nameof(E1))] public partial Layer D1 { get; }
}

/// <summary>An overcomplete code with the sparse autoencoder's activity L1 on it.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenActivityL1Sparse
{
    [Input(4)] public partial Layer X { get; }
    [Dense(8, Activation.ReLU, ActivityL1 = 0.05f)] public partial Layer Hidden { get; }
    [Dense(4)] public partial Layer Output { get; }
}

[Network(Loss = Loss.BinaryCrossEntropy)]
public partial class GoldenActivityL1Logistic
{
    [Input(3)] public partial Layer X { get; }
    [Dense(6, Activation.Logistic, ActivityL1 = 0.1f)] public partial Layer Hidden { get; }
    [Dense(3, Activation.Logistic)] public partial Layer Output { get; }
}

/// <summary>Both together: a sparse tied autoencoder.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
public partial class GoldenActivityL1TiedSparse
{
    [Input(5)] public partial Layer X { get; }
    [Dense(7, Activation.ReLU, ActivityL1 = 0.02f)] public partial Layer Encoder { get; }
    [Dense(5, Activation.Logistic, TiedTo = nameof(Encoder))] public partial Layer Decoder { get; }
}

/// <summary>A SIMD-sized tied pair with an activity penalty on a softplus code, for the central-difference and emulated-CUDA checks.</summary>
[Network(Loss = Loss.MeanSquaredError, UnrollLimit = 0)]
public partial class TiedSparseSimd
{
    [Input(19)] public partial Layer X { get; }
    [Dense(11, Activation.Softplus, ActivityL1 = 0.03f)] public partial Layer Encoder { get; }
    [Dense(19, Activation.Tanh, TiedTo = nameof(Encoder))] public partial Layer Decoder { get; }
}

/// <summary>Dropout with the Plan's random stream, as tests/scripts/make_dropout_golden_fixtures.py draws it.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenDropoutMse
{
    [Input(5)] public partial Layer X { get; }
    [Dense(7, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dropout(0.3f)] public partial Layer Drop { get; }
    [Dense(3)] public partial Layer Output { get; }
}

/// <summary>Two dropout layers: two streams, independent masks.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenDropoutTwoStreams
{
    [Input(6)] public partial Layer X { get; }
    [Dense(9, Activation.ReLU)] public partial Layer H1 { get; }
    [Dropout(0.5f)] public partial Layer Drop1 { get; }
    [Dense(8, Activation.Tanh)] public partial Layer H2 { get; }
    [Dropout(0.25f)] public partial Layer Drop2 { get; }
    [Dense(2)] public partial Layer Output { get; }
}

/// <summary>Two PReLU layers with their own slopes, as nn.PReLU(1) computes them.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenPReLU
{
    [Input(4)] public partial Layer X { get; }
    [Dense(6)] public partial Layer A { get; }
    [PReLU] public partial Layer P1 { get; }
    [Dense(5)] public partial Layer B { get; }
    [PReLU(InitialSlope = 0.1f)] public partial Layer P2 { get; }
    [Dense(2)] public partial Layer Output { get; }
}
