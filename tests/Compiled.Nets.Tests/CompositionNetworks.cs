namespace Compiled.Nets.Tests;

// Networks for the composition API (IComposableNetwork): run in part, backward from a caller's gradient, frozen layers.

/// <summary>An autoencoder whose halves run apart: ForwardTo(Code) encodes, ForwardFrom(Code) decodes.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 3)]
public partial class SplitAutoencoder
{
    [Input(12)] public partial Layer Pixels { get; }
    [Dense(8, Activation.Tanh)] public partial Layer Down { get; }
    [Dense(4, Activation.Tanh)] public partial Layer Code { get; }
    [Dense(8, Activation.ReLU)] public partial Layer Up { get; }
    [Dense(12, Activation.Logistic)] public partial Layer Reconstruction { get; }
}

/// <summary>The first half of <see cref="ChainWhole"/>: 6 → 5 tanh → 4 tanh.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class ChainFirst
{
    [Input(6)] public partial Layer X { get; }
    [Dense(5, Activation.Tanh)] public partial Layer A { get; }
    [Dense(4, Activation.Tanh)] public partial Layer B { get; }
}

/// <summary>The second half of <see cref="ChainWhole"/>: 4 → 5 logistic → 3 softmax.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
public partial class ChainSecond
{
    [Input(4)] public partial Layer H { get; }
    [Dense(5, Activation.Logistic)] public partial Layer C { get; }
    [Dense(3, Activation.Softmax)] public partial Layer D { get; }
}

/// <summary>The two halves as one network: training it equals training the halves through each other.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
public partial class ChainWhole
{
    [Input(6)] public partial Layer X { get; }
    [Dense(5, Activation.Tanh)] public partial Layer A { get; }
    [Dense(4, Activation.Tanh)] public partial Layer B { get; }
    [Dense(5, Activation.Logistic)] public partial Layer C { get; }
    [Dense(3, Activation.Softmax)] public partial Layer D { get; }
}

/// <summary>A convolutional network whose input gradient is checked against finite differences; its input feeds two layers.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 5)]
public partial class InputGradientCnn
{
    [Input(2, 6, 6)] public partial Layer Image { get; }
    [Conv2D(3, 3, Activation.Tanh, Padding = Padding.Same)] public partial Layer Conv { get; }
    [Conv2D(3, 1, Input = nameof(Image))] public partial Layer Shortcut { get; }
    [Add(nameof(Conv), nameof(Shortcut), Activation = Activation.Tanh)] public partial Layer Sum { get; }
    [MaxPool(2)] public partial Layer Pool { get; }
    [Dense(2, Activation.Logistic)] public partial Layer Out { get; }
}

/// <summary>An LSTM over a sequence: its input gradient runs back through time.</summary>
[Network(Loss = Loss.MeanSquaredError, Seed = 7)]
public partial class InputGradientLstm
{
    [SequenceInput(4, 3)] public partial Layer Steps { get; }
    [Lstm(5)] public partial Layer State { get; }
    [Dense(2, Activation.Tanh)] public partial Layer Out { get; }
}

/// <summary>A first layer frozen in the declaration (a pre-trained encoder under a new head).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 11)]
public partial class FrozenEncoderClassifier
{
    [Input(6)] public partial Layer X { get; }
    [Dense(5, Activation.ReLU, Trainable = false)] public partial Layer Encoder { get; }
    [BatchNorm(Activation.Tanh)] public partial Layer Norm { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Head { get; }
}

/// <summary><see cref="FrozenEncoderClassifier"/> with every layer trainable.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 11)]
public partial class UnfrozenEncoderClassifier
{
    [Input(6)] public partial Layer X { get; }
    [Dense(5, Activation.ReLU)] public partial Layer Encoder { get; }
    [BatchNorm(Activation.Tanh)] public partial Layer Norm { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Head { get; }
}

/// <summary>A skip connection around Middle: the layers after Middle need Entry too, so ForwardFrom(Middle) is refused.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class SkipAroundMiddle
{
    [Input(4)] public partial Layer X { get; }
    [Dense(4, Activation.Tanh)] public partial Layer Entry { get; }
    [Dense(4, Activation.Tanh)] public partial Layer Middle { get; }
    [Add(nameof(Entry), nameof(Middle))] public partial Layer Join { get; }
    [Dense(2)] public partial Layer Out { get; }
}

/// <summary>A one-dimensional GAN's generator: 4 noise values → one sample.</summary>
[Network(Loss = Loss.MeanSquaredError, Seed = 1)]
public partial class ToyGenerator
{
    [Input(4)] public partial Layer Noise { get; }
    [Dense(16, Activation.LeakyReLU, Slope = 0.2f)] public partial Layer Hidden { get; }
    [Dense(1)] public partial Layer Sample { get; }
}

/// <summary>Its discriminator: one sample → the probability that it is real.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 2)]
public partial class ToyDiscriminator
{
    [Input(1)] public partial Layer X { get; }
    [Dense(16, Activation.LeakyReLU, Slope = 0.2f)] public partial Layer Hidden { get; }
    [Dense(1, Activation.Logistic)] public partial Layer Real { get; }
}

/// <summary>CycleGAN's generators in miniature: one domain of 2-D points to the other and back.</summary>
[Network(Loss = Loss.MeanSquaredError, Seed = 3)]
public partial class PointMapAB
{
    [Input(2)] public partial Layer A { get; }
    [Dense(8, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dense(2)] public partial Layer B { get; }
}

[Network(Loss = Loss.MeanSquaredError, Seed = 4)]
public partial class PointMapBA
{
    [Input(2)] public partial Layer B { get; }
    [Dense(8, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dense(2)] public partial Layer A { get; }
}

/// <summary>A discriminator of one domain's points.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 5)]
public partial class PointCritic
{
    [Input(2)] public partial Layer X { get; }
    [Dense(8, Activation.LeakyReLU, Slope = 0.2f)] public partial Layer Hidden { get; }
    [Dense(1, Activation.Logistic)] public partial Layer Real { get; }
}

/// <summary>A BatchNorm classifier with an L2 penalty: AddGradients must add the penalty's gradient only once.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 12, L2 = 0.01f)]
public partial class PenalizedNormClassifier
{
    [Input(6)] public partial Layer X { get; }
    [Dense(5, Activation.ReLU)] public partial Layer Encoder { get; }
    [BatchNorm(Activation.LeakyReLU, Slope = 0.2f)] public partial Layer Norm { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Head { get; }
}

/// <summary><see cref="PenalizedNormClassifier"/> without the penalty: the difference of their gradients is the penalty's.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 12)]
public partial class UnpenalizedNormClassifier
{
    [Input(6)] public partial Layer X { get; }
    [Dense(5, Activation.ReLU)] public partial Layer Encoder { get; }
    [BatchNorm(Activation.LeakyReLU, Slope = 0.2f)] public partial Layer Norm { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Head { get; }
}
