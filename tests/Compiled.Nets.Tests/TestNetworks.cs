using Compiled.Nets;

namespace Compiled.Nets.Tests;

// Networks used by the numeric tests. The Golden* ones match tests/scripts/make_golden_fixtures.py case by case.

[Network(Loss = Loss.BinaryCrossEntropy)]
public partial class GoldenTanhLogisticBce
{
    [Input(3)] public partial Layer X { get; }
    [Dense(5, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dense(2, Activation.Logistic)] public partial Layer Y { get; }
}

[Network(Loss = Loss.SoftmaxCrossEntropy)]
public partial class GoldenReluSoftmaxCe
{
    [Input(4)] public partial Layer X { get; }
    [Dense(6, Activation.ReLU)] public partial Layer Hidden { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Y { get; }
}

[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenLeakySoftplusMse
{
    [Input(3)] public partial Layer X { get; }
    [Dense(4, Activation.LeakyReLU, Slope = 0.1f)] public partial Layer Leaky { get; }
    [Dense(4, Activation.Softplus)] public partial Layer Soft { get; }
    [Dense(2)] public partial Layer Y { get; }
}

[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenLogisticSlopeMse
{
    [Input(2)] public partial Layer X { get; }
    [Dense(3, Activation.Logistic, Slope = 2f)] public partial Layer Hidden { get; }
    [Dense(2)] public partial Layer Y { get; }
}

[Network(Loss = Loss.SoftmaxCrossEntropy)]
public partial class GoldenLogitsCe
{
    [Input(4)] public partial Layer X { get; }
    [Dense(5, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dense(3)] public partial Layer Logits { get; }
}

[Network(Loss = Loss.BinaryCrossEntropy)]
public partial class GoldenHiddenSoftmaxBce
{
    [Input(3)] public partial Layer X { get; }
    [Dense(4, Activation.Softmax)] public partial Layer Hidden { get; }
    [Dense(2, Activation.Logistic)] public partial Layer Y { get; }
}

[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenSoftmaxMse
{
    [Input(3)] public partial Layer X { get; }
    [Dense(5, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Y { get; }
}

/// <summary>Larger than the unroll limit: every layer runs through the SIMD kernels, with ragged sizes.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
public partial class GoldenLargeReluCe
{
    [Input(40)] public partial Layer X { get; }
    [Dense(30, Activation.ReLU)] public partial Layer H1 { get; }
    [Dense(20, Activation.Tanh)] public partial Layer H2 { get; }
    [Dense(10, Activation.Softmax)] public partial Layer Y { get; }
}

[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenLargeLeakyLogisticMse
{
    [Input(33)] public partial Layer X { get; }
    [Dense(17, Activation.LeakyReLU, Slope = 0.2f)] public partial Layer H1 { get; }
    [Dense(19, Activation.Logistic, Slope = 1.5f)] public partial Layer H2 { get; }
    [Dense(5)] public partial Layer Y { get; }
}

// The same architecture emitted two ways, to show the unrolled and SIMD code agree.

[Network(Loss = Loss.SoftmaxCrossEntropy, UnrollLimit = 0)]
public partial class EveryActivationSimd
{
    [Input(9)] public partial Layer X { get; }
    [Dense(11, Activation.Tanh)] public partial Layer A { get; }
    [Dense(10, Activation.Logistic, Slope = 0.7f)] public partial Layer B { get; }
    [Dense(9, Activation.ReLU)] public partial Layer C { get; }
    [Dense(12, Activation.LeakyReLU, Slope = 0.05f)] public partial Layer D { get; }
    [Dense(8, Activation.Softplus)] public partial Layer E { get; }
    [Dense(7, Activation.Softmax)] public partial Layer F { get; }
    [Dense(6)] public partial Layer Logits { get; }
}

[Network(Loss = Loss.SoftmaxCrossEntropy, UnrollLimit = 100000)]
public partial class EveryActivationUnrolled
{
    [Input(9)] public partial Layer X { get; }
    [Dense(11, Activation.Tanh)] public partial Layer A { get; }
    [Dense(10, Activation.Logistic, Slope = 0.7f)] public partial Layer B { get; }
    [Dense(9, Activation.ReLU)] public partial Layer C { get; }
    [Dense(12, Activation.LeakyReLU, Slope = 0.05f)] public partial Layer D { get; }
    [Dense(8, Activation.Softplus)] public partial Layer E { get; }
    [Dense(7, Activation.Softmax)] public partial Layer F { get; }
    [Dense(6)] public partial Layer Logits { get; }
}

/// <summary>Binary cross-entropy on an output that is not logistic (the unfused path), with SIMD kernels.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, UnrollLimit = 0)]
public partial class BceOnSoftmaxSimd
{
    [Input(5)] public partial Layer X { get; }
    [Dense(6, Activation.Softplus)] public partial Layer Hidden { get; }
    [Dense(4, Activation.Softmax)] public partial Layer Y { get; }
}

[Network(Loss = Loss.MeanSquaredError, UnrollLimit = 0, Initialization = Initialization.ScaledNormal)]
public partial class MseTanhOutputSimd
{
    [Input(6)] public partial Layer X { get; }
    [Dense(5, Activation.ReLU)] public partial Layer Hidden { get; }
    [Dense(3, Activation.Tanh)] public partial Layer Y { get; }
}

[Network(Loss = Loss.SoftmaxCrossEntropy, UnrollLimit = 0)]
public partial class LogitsCeThroughLeakySimd
{
    [Input(4)] public partial Layer X { get; }
    [Dense(3, Activation.LeakyReLU, Slope = 0.3f)] public partial Layer Y { get; }
}

[Network(Loss = Loss.BinaryCrossEntropy, LearningRate = 0.5f, Seed = 3)]
public partial class XorNet
{
    [Input(2)] public partial Layer X { get; }
    [Dense(4, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dense(1, Activation.Logistic)] public partial Layer Y { get; }
}

[Network(Training = TrainingRule.Perceptron, LearningRate = 0.5f, Seed = 1)]
public partial class HeavisidePerceptron
{
    [Input(2)] public partial Layer X { get; }
    [Dense(1, Activation.Heaviside)] public partial Layer Y { get; }
}

[Network(Training = TrainingRule.Perceptron, LearningRate = 0.5f, Seed = 2)]
public partial class SignPerceptron
{
    [Input(2)] public partial Layer X { get; }
    [Dense(1, Activation.Sign)] public partial Layer Y { get; }
}

[Network(Loss = Loss.SoftmaxCrossEntropy, LearningRate = 0.1f, Seed = 11)]
public partial class IrisNet
{
    [Input(4)] public partial Layer Features { get; }
    [Dense(16, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Species { get; }
}

[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 5)]
public partial class Mlp784
{
    [Input(784)] public partial Layer Image { get; }
    [Dense(128, Activation.ReLU)] public partial Layer Hidden1 { get; }
    [Dense(64, Activation.ReLU)] public partial Layer Hidden2 { get; }
    [Dense(10, Activation.Softmax)] public partial Layer Probabilities { get; }
}

/// <summary>The arena-overflow network: 65,537 floats per sample, so at most 32,767 samples fit one call.</summary>
[Network(Loss = Loss.MeanSquaredError, Seed = 12)]
public partial class HugeHiddenNet
{
    [Input(1)] public partial Layer X { get; }
    [Dense(4, Activation.Tanh)] public partial Layer Small { get; }
    [Dense(65532, Activation.ReLU)] public partial Layer Wide { get; }
    [Dense(1)] public partial Layer Y { get; }
}

/// <summary>BatchNorm after a dense layer with ReLU, then softmax: the network whose statistics a bad batch poisoned.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 13)]
public partial class DenseBatchNormSoftmax
{
    [Input(3)] public partial Layer X { get; }
    [Dense(5)] public partial Layer Hidden { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer Norm { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Y { get; }
}
