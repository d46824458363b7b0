using System;

namespace Compiled.Nets;

/// <summary>
/// The network's input as a sequence: <see cref="Length"/> steps of <see cref="Features"/> values each, batch-first
/// (PyTorch's <c>batch_first=True</c>): a batch is <c>[batch, length, features]</c>, one sample's steps side by side.
/// Recurrent layers read it step by step; a Dense layer applies to every step.
/// (<c>[Input(channels, length)]</c> is a Conv1D's channel-first input, not a sequence.)
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class SequenceInputAttribute : Attribute
{
    /// <summary>A sequence of <paramref name="length"/> steps of <paramref name="features"/> values.</summary>
    public SequenceInputAttribute(int length, int features)
    {
        Length = length;
        Features = features;
    }

    /// <summary>The number of steps, a constant of the network.</summary>
    public int Length { get; }

    /// <summary>The values per step.</summary>
    public int Features { get; }
}

/// <summary>
/// The network's input as a sequence of <see cref="Length"/> token ids (whole numbers stored as floats, batch-first:
/// <c>[batch, length]</c>), read by an <see cref="EmbeddingAttribute"/> layer.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class TokenInputAttribute : Attribute
{
    /// <summary>A sequence of <paramref name="length"/> token ids.</summary>
    public TokenInputAttribute(int length) => Length = length;

    /// <summary>The number of tokens per sample, a constant of the network.</summary>
    public int Length { get; }
}

/// <summary>
/// A lookup table (PyTorch's <c>nn.Embedding</c>): each token id of a <see cref="TokenInputAttribute"/> sequence becomes its
/// row of <c>weight</c> [vocabulary, dimensions], initialised N(0, 1) as PyTorch does; the output is a sequence
/// <c>[length, dimensions]</c>. Ids outside [0, vocabulary) are refused before anything runs.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class EmbeddingAttribute : LayerAttribute
{
    /// <summary>A table of <paramref name="vocabulary"/> vectors of <paramref name="dimensions"/> values.</summary>
    public EmbeddingAttribute(int vocabulary, int dimensions)
    {
        Vocabulary = vocabulary;
        Dimensions = dimensions;
    }

    /// <summary>The number of distinct tokens (PyTorch's <c>num_embeddings</c>).</summary>
    public int Vocabulary { get; }

    /// <summary>The size of each token's vector (PyTorch's <c>embedding_dim</c>).</summary>
    public int Dimensions { get; }
}

/// <summary>What every recurrent layer has: its hidden size and whether it returns every step or only the last.</summary>
public abstract class RecurrentAttribute : LayerAttribute
{
    /// <summary>Sets the hidden size that every recurrent layer takes in its constructor.</summary>
    protected RecurrentAttribute(int hiddenSize) => HiddenSize = hiddenSize;

    /// <summary>The size of the hidden state (PyTorch's <c>hidden_size</c>).</summary>
    public int HiddenSize { get; }

    /// <summary>
    /// True: the output is the hidden state of every step, <c>[length, hidden]</c> (what a stacked recurrent layer or a
    /// per-step Dense reads: many-to-many). False (the default): only the last step's, <c>[hidden]</c> (many-to-one).
    /// </summary>
    public bool ReturnSequences { get; set; }

    /// <summary>
    /// Carries the state between calls (Keras's <c>stateful=True</c>, truncated backpropagation through time): each sample's
    /// last h (and c) after a successful <c>TrainStep</c>, <c>Forward</c> or <c>Predict</c> starts the same sample of the next
    /// call, so a long sequence can be fed in ordered chunks; gradients stop at the chunk boundary. <c>ResetState()</c>
    /// starts again from zero; <c>Fit</c> needs <c>FitOptions.Stateful</c>. Runs on the CPU.
    /// </summary>
    public bool Stateful { get; set; }

    /// <summary>
    /// The layer whose output is the initial state (use <c>nameof</c>; an encoder's summary in a sequence-to-sequence network):
    /// h₀ [hidden], or for an Lstm h₀ and c₀ side by side [2 · hidden]; the gradient flows back into it. Null starts at zero.
    /// </summary>
    public string? InitialState { get; set; }
}

/// <summary>
/// An Elman recurrent layer (PyTorch's <c>nn.RNN</c>): <c>h ← f(W_ih x + b_ih + W_hh h + b_hh)</c>, with f tanh or ReLU,
/// h starting at zero. With a <see cref="Leak"/> α below 1 it is the discretised firing-rate unit
/// <c>h ← (1 − α) h + α f(…)</c>. Parameters: <c>weight_ih_l0</c> [H, I], <c>weight_hh_l0</c> [H, H], <c>bias_ih_l0</c>,
/// <c>bias_hh_l0</c>, initialised U(−1/√H, 1/√H) as PyTorch does.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class SimpleRnnAttribute : RecurrentAttribute
{
    /// <summary>An Elman layer of <paramref name="hiddenSize"/> units with <paramref name="activation"/> (tanh or ReLU).</summary>
    public SimpleRnnAttribute(int hiddenSize, Activation activation = Activation.Tanh) : base(hiddenSize) => Activation = activation;

    /// <summary>The nonlinearity: <see cref="Activation.Tanh"/> (the default) or <see cref="Activation.ReLU"/>.</summary>
    public Activation Activation { get; }

    /// <summary>The leak α in (0, 1]: the share of the new value in each step's state (1, the default: none).</summary>
    public float Leak { get; set; } = 1f;
}

/// <summary>
/// A long short-term memory layer (PyTorch's <c>nn.LSTM</c>, gates i, f, g, o): <c>c ← f ⊙ c + i ⊙ g</c>,
/// <c>h ← o ⊙ tanh(c)</c>, h and c starting at zero. Parameters: <c>weight_ih_l0</c> [4H, I], <c>weight_hh_l0</c> [4H, H],
/// <c>bias_ih_l0</c> [4H], <c>bias_hh_l0</c> [4H], initialised U(−1/√H, 1/√H).
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class LstmAttribute : RecurrentAttribute
{
    /// <summary>An LSTM layer of <paramref name="hiddenSize"/> units.</summary>
    public LstmAttribute(int hiddenSize) : base(hiddenSize) { }

    /// <summary>
    /// Peephole connections (Gers, Schraudolph and Schmidhuber; ONNX's <c>P</c>): the input and forget gates also read
    /// c₍t−1₎ and the output gate reads c₍t₎, each through a diagonal weight, saved as <c>weight_peephole_l0</c> [3H]
    /// in the order i, f, o (initialised to zero).
    /// </summary>
    public bool Peephole { get; set; }
}

/// <summary>
/// A gated recurrent unit (PyTorch's <c>nn.GRU</c>, gates r, z, n): <c>n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))</c>,
/// <c>h ← (1 − z) ⊙ n + z ⊙ h</c>, h starting at zero. Parameters: <c>weight_ih_l0</c> [3H, I], <c>weight_hh_l0</c> [3H, H],
/// <c>bias_ih_l0</c> [3H], <c>bias_hh_l0</c> [3H], initialised U(−1/√H, 1/√H).
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class GruAttribute : RecurrentAttribute
{
    /// <summary>A GRU layer of <paramref name="hiddenSize"/> units.</summary>
    public GruAttribute(int hiddenSize) : base(hiddenSize) { }
}
