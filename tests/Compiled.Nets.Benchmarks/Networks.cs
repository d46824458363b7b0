using Compiled.Nets;

namespace Compiled.Nets.Benchmarks;

/// <summary>2-4-1, tanh then logistic: FANN's and PyTorch's XOR benchmark network.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, LearningRate = 0.5f)]
public partial class XorNet
{
    [Input(2)] public partial Layer X { get; }
    [Dense(4, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dense(1, Activation.Logistic)] public partial Layer Y { get; }
}

/// <summary>784-128-64-10 with ReLU and a softmax output.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, LearningRate = 0.01f)]
public partial class Mlp
{
    [Input(784)] public partial Layer Image { get; }
    [Dense(128, Activation.ReLU)] public partial Layer Hidden1 { get; }
    [Dense(64, Activation.ReLU)] public partial Layer Hidden2 { get; }
    [Dense(10, Activation.Softmax)] public partial Layer Probabilities { get; }
}

// Square layers of growing size, emitted unrolled and as SIMD loops: the data behind the default UnrollLimit.
[Network(UnrollLimit = int.MaxValue)] public partial class Square8Unrolled { [Input(8)] public partial Layer X { get; } [Dense(8, Activation.Tanh)] public partial Layer H { get; } [Dense(8)] public partial Layer Y { get; } }
[Network(UnrollLimit = 0)] public partial class Square8Simd { [Input(8)] public partial Layer X { get; } [Dense(8, Activation.Tanh)] public partial Layer H { get; } [Dense(8)] public partial Layer Y { get; } }
[Network(UnrollLimit = int.MaxValue)] public partial class Square16Unrolled { [Input(16)] public partial Layer X { get; } [Dense(16, Activation.Tanh)] public partial Layer H { get; } [Dense(16)] public partial Layer Y { get; } }
[Network(UnrollLimit = 0)] public partial class Square16Simd { [Input(16)] public partial Layer X { get; } [Dense(16, Activation.Tanh)] public partial Layer H { get; } [Dense(16)] public partial Layer Y { get; } }
[Network(UnrollLimit = int.MaxValue)] public partial class Square24Unrolled { [Input(24)] public partial Layer X { get; } [Dense(24, Activation.Tanh)] public partial Layer H { get; } [Dense(24)] public partial Layer Y { get; } }
[Network(UnrollLimit = 0)] public partial class Square24Simd { [Input(24)] public partial Layer X { get; } [Dense(24, Activation.Tanh)] public partial Layer H { get; } [Dense(24)] public partial Layer Y { get; } }
[Network(UnrollLimit = int.MaxValue)] public partial class Square32Unrolled { [Input(32)] public partial Layer X { get; } [Dense(32, Activation.Tanh)] public partial Layer H { get; } [Dense(32)] public partial Layer Y { get; } }
[Network(UnrollLimit = 0)] public partial class Square32Simd { [Input(32)] public partial Layer X { get; } [Dense(32, Activation.Tanh)] public partial Layer H { get; } [Dense(32)] public partial Layer Y { get; } }
[Network(UnrollLimit = int.MaxValue)] public partial class Square64Unrolled { [Input(64)] public partial Layer X { get; } [Dense(64, Activation.Tanh)] public partial Layer H { get; } [Dense(64)] public partial Layer Y { get; } }
[Network(UnrollLimit = 0)] public partial class Square64Simd { [Input(64)] public partial Layer X { get; } [Dense(64, Activation.Tanh)] public partial Layer H { get; } [Dense(64)] public partial Layer Y { get; } }

/// <summary>LeNet-5 as in the course's table and pytorch_bench.py's: ReLU, max pooling, 120-84-10, logits into cross-entropy.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, LearningRate = 0.01f)]
public partial class LeNet5
{
    [Input(1, 28, 28)] public partial Layer Image { get; }
    [Conv2D(6, 5, Activation.ReLU, PaddingSize = 2)] public partial Layer C1 { get; }
    [MaxPool(2)] public partial Layer S2 { get; }
    [Conv2D(16, 5, Activation.ReLU)] public partial Layer C3 { get; }
    [MaxPool(2)] public partial Layer S4 { get; }
    [Dense(120, Activation.ReLU)] public partial Layer F5 { get; }
    [Dense(84, Activation.ReLU)] public partial Layer F6 { get; }
    [Dense(10)] public partial Layer Logits { get; }
}

/// <summary>
/// Sequential MNIST (issue 13's LSTM benchmark): each image read as 28 steps of 28 pixels, an LSTM with 128 units, the last
/// step's state into a softmax over the 10 digits. pytorch_bench.py and the LibTorch anchor time nn.LSTM(28, 128,
/// batch_first=True) + nn.Linear(128, 10) on logits into cross-entropy, the same step.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, LearningRate = 0.01f)]
public partial class SeqMnistLstm
{
    [SequenceInput(28, 28)] public partial Layer Rows { get; }
    [Lstm(128)] public partial Layer State { get; }
    [Dense(10, Activation.Softmax)] public partial Layer Digit { get; }
}

/// <summary>
/// A STAND-IN for the character model (Embedding → Lstm → per-step softmax; the library has no Embedding yet): the same cost
/// structure with the embedding's 64 values per character given as the input. 100 steps of 64 features, an LSTM with 128
/// units returning every step, a per-step softmax over 64 characters, softmax cross-entropy per step (summed over the steps,
/// averaged over the batch). The anchors run nn.LSTM(64, 128, batch_first=True) + nn.Linear(128, 64) on the last dim.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, LearningRate = 0.01f)]
public partial class CharLstmStandIn
{
    [SequenceInput(100, 64)] public partial Layer Embedded { get; }
    [Lstm(128, ReturnSequences = true)] public partial Layer State { get; }
    [Dense(64, Activation.Softmax)] public partial Layer NextChar { get; }
}
