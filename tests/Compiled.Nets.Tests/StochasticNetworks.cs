namespace Compiled.Nets.Tests;

/// <summary>Binary stochastic units with the sigmoid-adjusted straight-through gradient, under a softmax head.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
public partial class GoldenStochasticBinary
{
    [Input(4)] public partial Layer X { get; }
    [Dense(5)] public partial Layer Pre { get; }
    [StochasticNeuron] public partial Layer Unit { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Out { get; }
}

/// <summary>±1 stochastic units with the identity straight-through gradient.</summary>
[Network(Loss = Loss.MeanSquaredError, Seed = 5)]
public partial class GoldenStochasticSign
{
    [Input(4)] public partial Layer X { get; }
    [Dense(5)] public partial Layer Pre { get; }
    [StochasticNeuron(Activation.Sign, Estimator = StochasticEstimator.IdentityStraightThrough)] public partial Layer Unit { get; }
    [Dense(2)] public partial Layer Out { get; }
}

/// <summary>tanh units with logistic noise before the activation: the gradient is f′ at the noisy point, exactly.</summary>
[Network(Loss = Loss.MeanSquaredError, Seed = 7)]
public partial class GoldenStochasticTanh
{
    [Input(4)] public partial Layer X { get; }
    [Dense(5)] public partial Layer Pre { get; }
    [StochasticNeuron(Activation.Tanh)] public partial Layer Unit { get; }
    [Dense(2)] public partial Layer Out { get; }
}

/// <summary>200 binary units straight on the input, averaged by a fixed Dense(1): each output is the mean of 200 draws.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class StochasticMean
{
    [Input(200)] public partial Layer A { get; }
    [StochasticNeuron] public partial Layer Unit { get; }
    [Dense(1)] public partial Layer Mean { get; }
}

/// <summary>XOR through 16 binary stochastic hidden units.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 3)]
public partial class StochasticXor
{
    [Input(2)] public partial Layer X { get; }
    [Dense(16)] public partial Layer Pre { get; }
    [StochasticNeuron] public partial Layer Hidden { get; }
    [Dense(1, Activation.Logistic)] public partial Layer Out { get; }
}

/// <summary>A small MNIST classifier with 128 binary stochastic hidden units.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 4)]
public partial class StochasticMnist
{
    [Input(784)] public partial Layer Pixels { get; }
    [Dense(128)] public partial Layer Pre { get; }
    [StochasticNeuron] public partial Layer Hidden { get; }
    [Dense(10, Activation.Softmax)] public partial Layer Digit { get; }
}

/// <summary>A classifier whose hidden layer an RBM starts: logistic units, as the RBM's hidden units.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 6)]
public partial class RbmStartedClassifier
{
    [Input(784)] public partial Layer Pixels { get; }
    [Dense(128, Activation.Logistic)] public partial Layer Hidden { get; }
    [Dense(10, Activation.Softmax)] public partial Layer Digit { get; }
}
