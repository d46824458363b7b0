using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Layers;

namespace Compiled.Nets.Generators.Model;

/// <summary>
/// The lowered network, what every emitter reads: ops with constant shapes, arena offsets and fused
/// epilogues, in execution order. Produced by <see cref="Lowering"/>. Nothing here is C#-specific:
/// a CUDA emitter reads the same ops (one kernel per op).
/// </summary>
/// <remarks>
/// Arenas: parameters and gradients hold <see cref="ParameterCount"/> floats (per layer weight [out, in]
/// row-major, then bias). Activations and deltas each hold <see cref="ActivationsPerSample"/> floats per
/// sample of batch capacity C: a buffer of width w at offset o occupies [o·C, o·C + C·w), rows of w floats.
/// The delta arena mirrors the activation arena: the delta of a layer's buffer whose activation is fused into
/// its op is the loss gradient at its pre-activation; the delta of any other layer's buffer is the gradient at
/// its output. Parameters that are saved but not trained (BatchNorm's running statistics) live in a state arena
/// of <see cref="StateCount"/> floats; per-feature values kept between the passes, in a scratch arena.
/// </remarks>
internal sealed record NetworkPlan(
    TypeDeclarationInfo Type,
    LossKind Loss,
    TrainingRuleKind Training,
    int Seed,
    float LearningRate,
    int InputSize,
    int OutputSize,
    int ParameterCount,
    int StateCount,
    int ScratchCount,
    int ActivationsPerSample,
    BufferRef OutputBuffer,
    EquatableArray<LayerPlan> Layers,
    EquatableArray<TensorPlan> Tensors,
    EquatableArray<RegularizationPlan> Regularization,
    EquatableArray<OpPlan> ForwardOps,
    EquatableArray<LossTermPlan> LossTerms,
    EquatableArray<OpPlan> BackwardOps,
    EquatableArray<RandomStreamPlan> RandomStreams,
    EquatableArray<BufferRef> Buffers,
    EquatableArray<CarriedStatePlan> CarriedStates,
    int TokenVocabulary,
    GenerationPlan? Generation,
    CompositionPlan? Composition = null)
{
    public bool UsesRandom => !RandomStreams.IsEmpty;

    /// <summary>Whether a layer carries state from one call to the next (a stateful recurrent layer): the network runs on the CPU.</summary>
    public bool IsStateful => !CarriedStates.IsEmpty;

    /// <summary>The output loss, the first term (null for the perceptron rule, which has no loss).</summary>
    public LossPlan? LossOp => LossTerms.OfType<OutputLossTerm>().FirstOrDefault()?.Loss;

    /// <summary>The terms after the output loss: activity penalties, and later KL terms.</summary>
    public System.Collections.Generic.IEnumerable<LossTermPlan> ExtraLossTerms => LossTerms.Where(t => t is not OutputLossTerm);
}

/// <summary>
/// A random stream: a counter-based uniform of (seed, step, <see cref="Key"/>, index), the same on the CPU and in CUDA, so
/// an op's draws are reproducible per step and independent of other streams. <see cref="Name"/> says what draws from it.
/// </summary>
internal sealed record RandomStreamPlan(int Key, string Name);

/// <summary>
/// What running a network in part and backward from a caller's gradient needs (IComposableNetwork): the backward pass
/// lowered again with the network's input in a buffer of its own (<see cref="InputCopy"/>, filled by ForwardTraining), so
/// the gradient reaches it; and, per layer, why the layers after it cannot start from its outputs ("" when they can).
/// </summary>
internal sealed record CompositionPlan(EquatableArray<OpPlan> BackwardOps, BufferRef InputCopy, bool WritesInputGradient,
    EquatableArray<string> StartProblems, EquatableArray<BufferRef> LayerBuffers);

/// <summary>
/// State a layer carries from one call to the next (a stateful recurrent layer's last h and c): <see cref="Width"/> floats per
/// sample slot in the network's field <see cref="Field"/>, read by the forward pass and written back after a call succeeds.
/// </summary>
internal sealed record CarriedStatePlan(string Layer, string Field, int Width);

/// <summary>
/// A network whose output is a sequence of its input's <see cref="Steps"/> (per-step prediction, trained with teacher
/// forcing) can generate freely, each output fed back as the next input: token ids sampled from a per-step distribution of
/// the vocabulary (<see cref="Tokens"/>), or real values of <see cref="Width"/> per step.
/// </summary>
internal sealed record GenerationPlan(int Steps, int Width, bool Tokens, bool Probabilities);

/// <summary>A saved tensor: PyTorch's name and shape, in the parameter arena or (running statistics) the state arena.</summary>
internal sealed record TensorPlan(string Name, EquatableArray<int> Shape, bool InStateArena, int Offset);

/// <summary>An L1/L2 penalty on a range of the parameter arena.</summary>
internal sealed record RegularizationPlan(string Layer, int Offset, int Count, float L1, float L2);

/// <summary>
/// A layer's place in the arenas, for the Layer properties, the initialiser and the summary. <see cref="Inputs"/>
/// index the layers it reads; <see cref="Flops"/> counts its forward pass per sample (a multiply-add is 2).
/// </summary>
internal sealed record LayerPlan
{
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public required LayerOptions Options { get; init; }
    public LayerDetail? Detail { get; init; }
    public required EquatableArray<int> OutputShape { get; init; }
    public required int InputSize { get; init; }
    public required int OutputSize { get; init; }
    public required ActivationPlan Activation { get; init; }
    public required int WeightOffset { get; init; }
    public required int WeightCount { get; init; }
    public required int BiasOffset { get; init; }
    public required int BiasCount { get; init; }
    public required int StateOffset { get; init; }
    public required int StateCount { get; init; }
    public required int ScratchOffset { get; init; }
    public required string Modifiers { get; init; }
    public required bool IsPartial { get; init; }
    public required EquatableArray<int> Inputs { get; init; }
    public required long Flops { get; init; }
    /// <summary>Steps of the layer's output sequence (0: not a sequence).</summary>
    public int Steps { get; init; }
    /// <summary>False: frozen from the start (<c>Trainable = false</c>).</summary>
    public bool Trainable { get; init; } = true;

    public LayerFamily Family => Options.Family;
    public int ParameterCount => WeightCount + BiasCount;
}

/// <summary>An element-wise activation with its parameter (logistic slope k, leaky ReLU α; NaN otherwise).</summary>
internal sealed record ActivationPlan(ActivationKind Kind, float Slope)
{
    public static readonly ActivationPlan Linear = new(ActivationKind.Linear, float.NaN);
}

/// <summary>
/// A per-sample buffer: <see cref="Offset"/> floats into the activation (and delta) arena, <see cref="Width"/>
/// floats per sample. Offset −1 is the network's input, read from the caller's span.
/// </summary>
internal sealed record BufferRef(int Offset, int Width)
{
    public bool IsNetworkInput => Offset < 0;

    /// <summary>The constant the emitted code names the offset by (Buffers.{Name}); empty for the network's input.</summary>
    public string Name { get; init; } = "";
}

/// <summary>
/// One fused op of the forward or backward pass. The family that defines an op writes its code for every target:
/// the emitters only ask each op to write itself.
/// </summary>
internal abstract record OpPlan(string Layer)
{
    /// <summary>C# for the CPU, inside RunForward or RunBackward (locals: inputs, batch, capacity, training).</summary>
    public abstract void WriteCSharp(SourceWriter w);

    /// <summary>CUDA C kernels and their launches.</summary>
    public abstract void WriteCuda(CudaProgramBuilder cuda);

    /// <summary>The building blocks (<see cref="CudaBlock"/>) whose functions <see cref="WriteCuda"/> calls; the blocks they include come with them.</summary>
    public virtual IEnumerable<string> CudaBlocks => Array.Empty<string>();

    /// <summary>The convolution (and the algorithm it runs by) whose workspace the op needs on the CPU, or null.</summary>
    public virtual ConvolutionCall? ConvolutionWorkspace => null;

    /// <summary>The op's step in the int8 inference model, or null when it has none (Quantize is then unavailable).</summary>
    public virtual QuantizedStep? Quantized => null;

    /// <summary>C# run after a call succeeded (CommitCarriedState): a stateful op keeps its carried state; nothing for the others.</summary>
    public virtual void WriteCommitCSharp(SourceWriter w) { }

}

/// <summary>How the loss and the output layer's derivative are fused into one pass that writes the output delta.</summary>
internal enum LossFusion
{
    /// <summary>Mean squared error, times the output activation's derivative.</summary>
    MeanSquaredError,
    /// <summary>Binary cross-entropy, times the output activation's derivative.</summary>
    BinaryCrossEntropy,
    /// <summary>Binary cross-entropy on a logistic output: dz = k (ŷ − y) / n.</summary>
    BinaryCrossEntropyLogistic,
    /// <summary>Softmax cross-entropy on a softmax output's probabilities: dz = (ŷ − y) / batch.</summary>
    SoftmaxCrossEntropyOnProbabilities,
    /// <summary>Softmax cross-entropy on raw outputs treated as logits, times their activation's derivative.</summary>
    SoftmaxCrossEntropyOnLogits,
}

/// <summary>
/// One term of the loss, attached to a buffer with a weight. Its value is added in RunLoss (and, on the GPU, to the mean
/// loss); its gradient is an op the lowering places in the backward pass once the buffer's delta is complete.
/// </summary>
internal abstract record LossTermPlan(string Layer, BufferRef Buffer, float Weight)
{
    /// <summary>C# that adds the term's value to the local <c>loss</c> in RunLoss.</summary>
    public abstract void WriteCSharpValue(SourceWriter w);

    /// <summary>CUDA kernels that add the term's value to L[CN_BATCH] after the mean loss.</summary>
    public abstract void WriteCudaValue(CudaProgramBuilder cuda);

    /// <summary>The building blocks (<see cref="CudaBlock"/>) whose functions <see cref="WriteCudaValue"/> calls.</summary>
    public virtual IEnumerable<string> CudaBlocks => Array.Empty<string>();
}

/// <summary>The loss on the network's output (weight 1): fused with the output layer's derivative, it writes the output delta.</summary>
internal sealed record OutputLossTerm(LossPlan Loss) : LossTermPlan("loss", Loss.Output, 1f)
{
    // The output loss is written by the emitters' loss shell (it writes the delta that starts the backward pass).
    public override void WriteCSharpValue(SourceWriter w) { }
    public override void WriteCudaValue(CudaProgramBuilder cuda) { }
}

/// <summary>The loss over the output buffer; writes the output delta. <see cref="Derivative"/> is the output activation's (Linear when fused or when a softmax backward follows).</summary>
/// <remarks>On a sequence output a softmax cross-entropy is per step (<see cref="Steps"/> rows per sample) and averages over every step.</remarks>
internal sealed record LossPlan(LossKind Kind, LossFusion Fusion, BufferRef Output, ActivationPlan Derivative, float LogisticSlope)
{
    /// <summary>The output's steps when it is a sequence (0 otherwise).</summary>
    public int Steps { get; init; }
    /// <summary>The mean over every value is multiplied by this (LossReduction.SumPerSample: the values per sample; 1: the mean).</summary>
    public int SumFactor { get; init; } = 1;
}

/// <summary>A convolution as the CPU kernels run it: its geometry and the algorithm lowering chose for it.</summary>
internal sealed record ConvolutionCall(Window2D Window, ConvAlgorithmKind Algorithm);
