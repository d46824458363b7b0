using Compiled.Nets;

namespace Compiled.Nets.Tests;

// Convolutional and graph networks for the gradient checks, golden values and CUDA emulation:
// every layer of the CNN chapter with stride and padding variants.

[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 31)]
public partial class ConvValidStride2
{
    [Input(2, 7, 7)] public partial Layer Image { get; }
    [Conv2D(3, 3, Activation.Tanh, Stride = 2)] public partial Layer Conv { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Output { get; }
}

[Network(Loss = Loss.MeanSquaredError, Seed = 32)]
public partial class ConvSameFullGroups
{
    [Input(2, 6, 6)] public partial Layer Image { get; }
    [Conv2D(4, 3, Activation.Softplus, Padding = Padding.Same)] public partial Layer Same { get; }
    [Conv2D(2, 3, Activation.Tanh, Padding = Padding.Full, Groups = 2)] public partial Layer Full { get; }
    [MaxPool(2)] public partial Layer Pool { get; }
    [Dense(3)] public partial Layer Output { get; }
}

[Network(Loss = Loss.BinaryCrossEntropy, Seed = 33)]
public partial class PoolingNet
{
    [Input(3, 6, 6)] public partial Layer Image { get; }
    [AvgPool(2)] public partial Layer Average { get; }
    [Conv2D(4, 1, Activation.LeakyReLU, Slope = 0.1f)] public partial Layer Mix { get; }
    [MaxPool(3, Stride = 1, PaddingSize = 1)] public partial Layer Overlap { get; }
    [GlobalAveragePool] public partial Layer Global { get; }
    [Dense(2, Activation.Logistic)] public partial Layer Output { get; }
}

[Network(Loss = Loss.MeanSquaredError, Seed = 34)]
public partial class Conv1DNet
{
    [Input(2, 10)] public partial Layer Sequence { get; }
    [Conv1D(4, 3, Activation.Tanh, Padding = Padding.Same)] public partial Layer First { get; }
    [MaxPool(2)] public partial Layer Pool { get; }
    [Conv1D(3, 3, Stride = 2)] public partial Layer Second { get; }
    [Dense(2)] public partial Layer Output { get; }
}

[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 35)]
public partial class ResidualNet
{
    [Input(3, 5, 5)] public partial Layer Image { get; }
    [Conv2D(4, 3, Activation.Tanh, Padding = Padding.Same)] public partial Layer Stem { get; }
    [Conv2D(4, 3, Activation.Tanh, Padding = Padding.Same)] public partial Layer A { get; }
    [Conv2D(4, 3, Padding = Padding.Same)] public partial Layer B { get; }
    [Add(nameof(Stem), nameof(B), Activation = Activation.Tanh)] public partial Layer Sum { get; }
    [Concat(nameof(Sum), nameof(Stem))] public partial Layer Join { get; }
    [BatchNorm(Activation.Tanh)] public partial Layer Norm { get; }
    [GlobalAveragePool] public partial Layer Global { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Output { get; }
}

[Network(Loss = Loss.MeanSquaredError, Seed = 36)]
public partial class TransposedUnpoolNet
{
    [Input(2, 4, 4)] public partial Layer Image { get; }
    [Conv2D(3, 3, Activation.Tanh, Padding = Padding.Same)] public partial Layer Encode { get; }
    [MaxPool(2)] public partial Layer Pool { get; }
    [ConvTranspose2D(3, 3, Activation.Tanh, PaddingSize = 1)] public partial Layer Mix { get; }
    [MaxUnpool(nameof(Pool))] public partial Layer Unpool { get; }
    [ConvTranspose2D(1, 2, Stride = 2)] public partial Layer Decode { get; }
}

[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 37)]
public partial class SeparableMaxoutNet
{
    [Input(3, 6, 6)] public partial Layer Image { get; }
    [SeparableConv2D(4, 3, Activation.Softplus)] public partial Layer Separable { get; }
    [Maxout(5, 3)] public partial Layer Maxout { get; }
    [Dense(2, Activation.Softmax)] public partial Layer Output { get; }
}

[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 38)]
public partial class ConvBatchNormDropoutNet
{
    [Input(1, 6, 6)] public partial Layer Image { get; }
    [Conv2D(3, 3)] public partial Layer Conv { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer Norm { get; }
    [Dropout(0.25f)] public partial Layer Drop { get; }
    [Conv2D(2, 2, Activation.Tanh, Stride = 2)] public partial Layer Down { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Output { get; }
}

/// <summary>The README's convolutional example, compiled as written.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
public partial class ReadmeCnn
{
    [Input(1, 28, 28)] public partial Layer Image { get; }                              // [channels, height, width]
    [Conv2D(6, 5, Activation.ReLU, PaddingSize = 2)] public partial Layer C1 { get; }   // Stride, Padding = Same/Full, Groups
    [MaxPool(2)] public partial Layer S2 { get; }
    [Conv2D(6, 3, Padding = Padding.Same, Input = nameof(S2))] public partial Layer Branch { get; }
    [Add(nameof(S2), nameof(Branch), Activation = Activation.ReLU)] public partial Layer Residual { get; }
    [Dense(10, Activation.Softmax)] public partial Layer Digit { get; }                 // flattens [6, 14, 14] implicitly
}
