using Compiled.Nets;

namespace Compiled.Nets.Tests;

// Networks that OnnxExportTests adds to the test project's and the samples' own, for forms those do not have: padded
// average pooling (counted padding), padded 1-D pooling, a leaky SimpleRnn (unrolled) as the output and from an initial
// state, an LSTM started from h₀ alone, an even LRN window on 1-D maps, and a MaxUnpool that ONNX cannot express.

[Network(Loss = Loss.MeanSquaredError, Seed = 91)]
public partial class OnnxPaddedPooling
{
    [Input(2, 7, 7)] public partial Layer Image { get; }
    [AvgPool(3, Stride = 2, PaddingSize = 1)] public partial Layer Average { get; }          // [2, 4, 4]
    [Conv2D(3, 2, Activation.Softplus, PaddingSize = 1)] public partial Layer Conv { get; }  // [3, 5, 5]
    [MaxPool(3, Stride = 2, PaddingSize = 1)] public partial Layer Max { get; }              // [3, 3, 3]
    [Dense(3, Activation.Logistic, Slope = 0.5f)] public partial Layer Output { get; }
}

[Network(Loss = Loss.MeanSquaredError, Seed = 92)]
public partial class OnnxPaddedPooling1D
{
    [Input(2, 9)] public partial Layer Signal { get; }
    [AvgPool(3, Stride = 2, PaddingSize = 1)] public partial Layer Average { get; }          // [2, 5]
    [Conv1D(4, 2, Activation.LeakyReLU, Slope = 0.2f)] public partial Layer Conv { get; }    // [4, 4]
    [LocalResponseNorm(2, Alpha = 0.5f, Beta = 0.75f, K = 1.5f)] public partial Layer Lrn { get; }
    [GlobalAveragePool] public partial Layer Global { get; }
    [Dense(2)] public partial Layer Output { get; }
}

[Network(Loss = Loss.MeanSquaredError, Seed = 93)]
public partial class OnnxLeakyRnnFromState
{
    [SequenceInput(5, 3)] public partial Layer X { get; }
    [SimpleRnn(3)] public partial Layer Encoder { get; }
    [Dense(4, Activation.Tanh)] public partial Layer Start { get; }
    [SimpleRnn(4, Activation.ReLU, Leak = 0.6f, ReturnSequences = true, Input = nameof(X), InitialState = nameof(Start))] public partial Layer Decoder { get; }
    [Dense(2, Activation.Tanh)] public partial Layer Output { get; }
}

[Network(Loss = Loss.MeanSquaredError, Seed = 94)]
public partial class OnnxLeakyRnnOutput
{
    [SequenceInput(4, 2)] public partial Layer X { get; }
    [Dense(3, Activation.Tanh)] public partial Layer Projection { get; }
    [SimpleRnn(3, Leak = 0.4f)] public partial Layer Rnn { get; }
}

[Network(Loss = Loss.MeanSquaredError, Seed = 95)]
public partial class OnnxLstmFromHidden
{
    [SequenceInput(4, 3)] public partial Layer X { get; }
    [Gru(3)] public partial Layer Encoder { get; }
    [Dense(3, Activation.Tanh)] public partial Layer Start { get; }
    [Lstm(3, Peephole = true, Input = nameof(X), InitialState = nameof(Start))] public partial Layer Decoder { get; }
    [Dense(2)] public partial Layer Output { get; }
}

[Network(Loss = Loss.MeanSquaredError, Seed = 96)]
public partial class OnnxOverlappingUnpool
{
    [Input(1, 5, 5)] public partial Layer Image { get; }
    [MaxPool(3, Stride = 2)] public partial Layer Pool { get; }                             // [1, 2, 2], overlapping windows (CN0078)
    [MaxUnpool(nameof(Pool))] public partial Layer Unpool { get; }
    [Conv2D(1, 1)] public partial Layer Output { get; }
}
