namespace Compiled.Nets.Tests;

// Recurrent networks, declared as in the PyTorch fixture (tests/scripts/make_recurrent_golden_fixtures.py →
// Fixtures/golden_recurrent.json): batch-first sequences, nn.RNN/LSTM/GRU's parameter names and layouts.

/// <summary>Many-to-one: an Elman RNN (tanh) read by a linear head.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenRnnTanh
{
    [SequenceInput(5, 3)] public partial Layer X { get; }
    [SimpleRnn(4)] public partial Layer Rnn { get; }
    [Dense(2)] public partial Layer Output { get; }
}

/// <summary>Many-to-many: an Elman RNN (ReLU) with every step's state, a per-step linear head.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenRnnReluSequence
{
    [SequenceInput(4, 2)] public partial Layer X { get; }
    [SimpleRnn(5, Activation.ReLU, ReturnSequences = true)] public partial Layer Rnn { get; }
    [Dense(3)] public partial Layer Output { get; }
}

/// <summary>The leaky (firing-rate) Elman unit, α = 0.3.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenRnnLeaky
{
    [SequenceInput(6, 2)] public partial Layer X { get; }
    [SimpleRnn(3, Leak = 0.3f)] public partial Layer Rnn { get; }
    [Dense(1)] public partial Layer Output { get; }
}

/// <summary>Many-to-one LSTM with a softmax head (cross-entropy).</summary>
[Network]
public partial class GoldenLstm
{
    [SequenceInput(5, 3)] public partial Layer X { get; }
    [Lstm(4)] public partial Layer Lstm { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Output { get; }
}

/// <summary>The peephole LSTM (Gers et al.), many-to-many, per-step head.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenLstmPeephole
{
    [SequenceInput(4, 2)] public partial Layer X { get; }
    [Lstm(3, Peephole = true, ReturnSequences = true)] public partial Layer Lstm { get; }
    [Dense(2)] public partial Layer Output { get; }
}

/// <summary>Many-to-one GRU with a logistic head (binary cross-entropy).</summary>
[Network]
public partial class GoldenGru
{
    [SequenceInput(5, 3)] public partial Layer X { get; }
    [Gru(4)] public partial Layer Gru { get; }
    [Dense(2, Activation.Logistic)] public partial Layer Output { get; }
}

/// <summary>A stack of two LSTMs after a per-step tanh projection: the gradient flows into the sequence below.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenStackedLstm
{
    [SequenceInput(4, 3)] public partial Layer X { get; }
    [Dense(4, Activation.Tanh)] public partial Layer Projection { get; }
    [Lstm(5, ReturnSequences = true)] public partial Layer Lower { get; }
    [Lstm(3)] public partial Layer Upper { get; }
    [Dense(2)] public partial Layer Output { get; }
}

/// <summary>A GRU over an LSTM's every step, then a per-step softmax head: sequence classification at each step.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenStackedGruSequence
{
    [SequenceInput(3, 2)] public partial Layer X { get; }
    [Lstm(4, ReturnSequences = true)] public partial Layer Lower { get; }
    [Gru(3, ReturnSequences = true)] public partial Layer Upper { get; }
    [Dense(2, Activation.Tanh)] public partial Layer Output { get; }
}

/// <summary>Truncated BPTT: a stateful LSTM carries h and c from one chunk of a long sequence to the next; per-step head.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class TbpttLstm
{
    [SequenceInput(4, 2)] public partial Layer X { get; }
    [Lstm(3, Stateful = true, ReturnSequences = true)] public partial Layer Lstm { get; }
    [Dense(2)] public partial Layer Output { get; }
}

/// <summary>Truncated BPTT with a stateful GRU (h only), many-to-one per chunk.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class TbpttGru
{
    [SequenceInput(4, 2)] public partial Layer X { get; }
    [Gru(3, Stateful = true)] public partial Layer Gru { get; }
    [Dense(1)] public partial Layer Output { get; }
}

/// <summary>TbpttLstm's stateless twin over two chunks' length: its outputs are what TbpttLstm gives chunk by chunk.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class TbpttLstmWhole
{
    [SequenceInput(8, 2)] public partial Layer X { get; }
    [Lstm(3, ReturnSequences = true)] public partial Layer Lstm { get; }
    [Dense(2)] public partial Layer Output { get; }
}

/// <summary>A character-model shape: token ids → Embedding → Lstm (every step) → per-step softmax over the vocabulary.</summary>
[Network]
public partial class GoldenEmbeddingLstm
{
    [TokenInput(5)] public partial Layer Tokens { get; }
    [Embedding(7, 3)] public partial Layer Embed { get; }
    [Lstm(4, ReturnSequences = true)] public partial Layer Lstm { get; }
    [Dense(7, Activation.Softmax)] public partial Layer Next { get; }
}

/// <summary>Per-step logits with softmax cross-entropy (PyTorch's CrossEntropyLoss on [batch · steps, classes]) after a GRU.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
public partial class GoldenEmbeddingGruLogits
{
    [TokenInput(4)] public partial Layer Tokens { get; }
    [Embedding(6, 3)] public partial Layer Embed { get; }
    [Gru(3, ReturnSequences = true)] public partial Layer Gru { get; }
    [Dense(6)] public partial Layer Next { get; }
}

/// <summary>An encoder–decoder: the encoder's last h, through a tanh layer, is the decoder LSTM's [h₀, c₀]; gradients flow back into it.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenInitialStateLstm
{
    [SequenceInput(4, 3)] public partial Layer X { get; }
    [Lstm(4)] public partial Layer Encoder { get; }
    [Dense(8, Activation.Tanh)] public partial Layer Context { get; }
    [Lstm(4, ReturnSequences = true, Input = nameof(X), InitialState = nameof(Context))] public partial Layer Decoder { get; }
    [Dense(2)] public partial Layer Output { get; }
}

/// <summary>A GRU started from another layer's h₀.</summary>
[Network(Loss = Loss.MeanSquaredError)]
public partial class GoldenInitialStateGru
{
    [SequenceInput(3, 2)] public partial Layer X { get; }
    [Gru(3)] public partial Layer Encoder { get; }
    [Dense(3, Activation.Tanh)] public partial Layer Start { get; }
    [Gru(3, Input = nameof(X), InitialState = nameof(Start))] public partial Layer Decoder { get; }
    [Dense(1)] public partial Layer Output { get; }
}
