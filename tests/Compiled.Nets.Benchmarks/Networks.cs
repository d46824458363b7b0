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
/// The character model of samples/CharModel (<c>CharLstm</c> there), declared again here: 64 token ids, an Embedding of 96
/// characters into 32 values, a stateful LSTM with 128 units returning every step (each call's last state starts the next,
/// truncated backpropagation through time), a per-step softmax over the 96 characters, softmax cross-entropy averaged over
/// batch × steps, Adam 3e-3, 16 streams a batch. The anchors run nn.Embedding(96, 32) → nn.LSTM(32, 128, batch_first=True)
/// with (h, c) carried detached → nn.Linear(128, 96), CrossEntropyLoss (mean), Adam 3e-3. No gradient clipping on either side.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 1)]
public partial class CharLstm
{
    [TokenInput(64)] public partial Layer Text { get; }
    [Embedding(96, 32)] public partial Layer Embed { get; }
    [Lstm(128, ReturnSequences = true, Stateful = true)] public partial Layer State { get; }
    [Dense(96, Activation.Softmax)] public partial Layer Next { get; }
}
