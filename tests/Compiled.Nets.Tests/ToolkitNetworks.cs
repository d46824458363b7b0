using Compiled.Nets;

namespace Compiled.Nets.Tests;

// Networks for the training-toolkit tests: dropout, batch normalisation, PReLU, penalties.

[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 3)]
public partial class DropoutNet
{
    [Input(6)] public partial Layer X { get; }
    [Dense(10, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dropout(0.3f)] public partial Layer Drop { get; }
    [Dense(4, Activation.Softmax)] public partial Layer Y { get; }
}

[Network(Loss = Loss.MeanSquaredError, Seed = 4)]
public partial class InputDropoutNet
{
    [Input(5)] public partial Layer X { get; }
    [Dropout(0.5f)] public partial Layer Drop { get; }
    [Dense(3)] public partial Layer Y { get; }
}

[Network(Loss = Loss.MeanSquaredError, Seed = 5)]
public partial class BatchNormNet
{
    [Input(5)] public partial Layer X { get; }
    [Dense(7, Activation.Tanh)] public partial Layer Hidden { get; }
    [BatchNorm(Activation.Tanh)] public partial Layer Norm { get; }
    [Dense(3)] public partial Layer Y { get; }
}

[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 6, UnrollLimit = 0)]
public partial class InputBatchNormNet
{
    [Input(4)] public partial Layer X { get; }
    [BatchNorm] public partial Layer Norm { get; }
    [Dense(9)] public partial Layer Hidden { get; }
    [BatchNorm(Activation.ReLU, Momentum = 0.2f)] public partial Layer Norm2 { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Y { get; }
}

[Network(Loss = Loss.MeanSquaredError, Seed = 7)]
public partial class PReLUNet
{
    [Input(4)] public partial Layer X { get; }
    [PReLU(InitialSlope = 0.3f)] public partial Layer InputAct { get; }
    [Dense(6, Activation.Softplus)] public partial Layer Hidden { get; }
    [PReLU] public partial Layer Act { get; }
    [Dense(2)] public partial Layer Y { get; }
}

[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 8, L1 = 0.01f, L2 = 0.1f)]
public partial class RegularizedNet
{
    [Input(5)] public partial Layer X { get; }
    [Dense(6, Activation.Tanh, Initialization = Initialization.HeNormal, BiasInitialValue = 0.1f)] public partial Layer Hidden { get; }
    [Dense(3, Activation.Softmax, L1 = 0f, L2 = 0.5f)] public partial Layer Y { get; }
}

[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 9, L2 = 0.1f, RegularizeBiases = true)]
public partial class RegularizedBiasesNet
{
    [Input(3)] public partial Layer X { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Y { get; }
}

/// <summary>RegularizedBiasesNet without penalties, to isolate the penalty's gradient.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 9)]
public partial class UnregularizedTwin
{
    [Input(3)] public partial Layer X { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Y { get; }
}

/// <summary>The architecture of tests/scripts/make_safetensors_fixtures.py: Sequential(Linear(4, 5), Tanh(), Linear(5, 3)).</summary>
[Network(Loss = Loss.MeanSquaredError, Seed = 1)]
public partial class PyTorchSmall
{
    [Input(4)] public partial Layer X { get; }
    [Dense(5, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dense(3)] public partial Layer Output { get; }
}
