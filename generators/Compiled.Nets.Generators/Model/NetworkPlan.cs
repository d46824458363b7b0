using System.Linq;

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
/// The delta arena mirrors the activation arena: the delta of a Dense layer's buffer is the loss gradient
/// at its pre-activation; the delta of any other layer's buffer is the gradient at its output.
/// Parameters that are saved but not trained (BatchNorm's running statistics) live in a state arena of
/// <see cref="StateCount"/> floats; per-feature values kept between the passes, in a scratch arena.
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
    LossPlan? LossOp,
    EquatableArray<OpPlan> BackwardOps)
{
    public bool UsesDropout => ForwardOps.Any(op => op is DropoutForwardOp);
}

/// <summary>A saved tensor: PyTorch's name and shape, in the parameter arena or (running statistics) the state arena.</summary>
internal sealed record TensorPlan(string Name, EquatableArray<int> Shape, bool InStateArena, int Offset);

/// <summary>An L1/L2 penalty on a range of the parameter arena.</summary>
internal sealed record RegularizationPlan(string Layer, int Offset, int Count, float L1, float L2);

/// <summary>
/// A layer's place in the parameter arena, for the Layer properties, the initialiser and the summary. <see cref="Inputs"/>
/// index the layers it reads; <see cref="Flops"/> counts its forward pass per sample (a multiply-add is 2).
/// </summary>
internal sealed record LayerPlan(
    string Name,
    LayerKind Kind,
    EquatableArray<int> OutputShape,
    int InputSize,
    int OutputSize,
    ActivationPlan Activation,
    InitializationKind Initialization,
    int WeightOffset,
    int WeightCount,
    int BiasOffset,
    int BiasCount,
    float BiasInitialValue,
    int StateOffset,
    int StateCount,
    string Modifiers,
    bool IsPartial,
    EquatableArray<int> Inputs,
    Window2D? Window,
    int Pieces,
    int Channels,
    long Flops)
{
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
}

internal abstract record OpPlan(string Layer);

/// <summary>y = f(W x + b) for a batch; bias and element-wise activation fused into the matrix product's epilogue.</summary>
internal sealed record DenseForwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    ActivationPlan Epilogue, bool Unrolled) : OpPlan(Layer);

/// <summary>Row-wise softmax of a buffer, in place.</summary>
internal sealed record SoftmaxForwardOp(string Layer, BufferRef Buffer) : OpPlan(Layer);

/// <summary>
/// dW = dzᵀ x, db = Σ dz, and (unless the input is the network's) the previous layer's delta
/// dzPrev = f′_prev(x) ⊙ (dz W), with f′_prev fused into the product's epilogue.
/// </summary>
internal sealed record DenseBackwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    bool PropagateToInput, ActivationPlan InputDerivative, bool Unrolled, BufferRef InputDelta) : OpPlan(Layer);

/// <summary>Training: y = x ⊙ mask with a fresh seeded mask (0 or 1/(1 − rate)); inference: y = x.</summary>
internal sealed record DropoutForwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Mask, float Rate) : OpPlan(Layer);

/// <summary>y = x for x &gt; 0, a x otherwise; a at <see cref="SlopeOffset"/> in the parameter arena.</summary>
internal sealed record PReLUForwardOp(string Layer, BufferRef Input, BufferRef Output, int SlopeOffset) : OpPlan(Layer);

/// <summary>
/// y = f(γ x̂ + β): batch statistics while training (x̂ kept in <see cref="Normalized"/>, 1/σ in the scratch arena,
/// running mean and variance at <see cref="StateOffset"/> updated), running statistics at inference.
/// </summary>
internal sealed record BatchNormForwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Normalized,
    int GammaOffset, int BetaOffset, int StateOffset, int ScratchOffset, float Momentum, float Epsilon, ActivationPlan Activation, int Channels) : OpPlan(Layer)
{
    /// <summary>Values per channel per sample: 1 after a Dense layer, height·width after a convolution.</summary>
    public int Plane => Output.Width / Channels;
}

/// <summary>dPrev = dy ⊙ mask ⊙ f′_prev(x).</summary>
internal sealed record DropoutBackwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Mask,
    ActivationPlan InputDerivative, BufferRef InputDelta) : OpPlan(Layer);

/// <summary>∂L/∂a = Σ dy · min(x, 0); dPrev = dy ⊙ (x &gt; 0 ? 1 : a) ⊙ f′_prev(x) when it propagates.</summary>
internal sealed record PReLUBackwardOp(string Layer, BufferRef Input, BufferRef Output, int SlopeOffset,
    bool PropagateToInput, ActivationPlan InputDerivative, BufferRef InputDelta) : OpPlan(Layer);

/// <summary>dγ, dβ and (when it propagates) dPrev from the batch-statistics forward pass.</summary>
internal sealed record BatchNormBackwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Normalized,
    int GammaOffset, int BetaOffset, int ScratchOffset, ActivationPlan Activation, bool PropagateToInput, ActivationPlan InputDerivative,
    int Channels, BufferRef InputDelta) : OpPlan(Layer)
{
    public int Plane => Output.Width / Channels;
}

/// <summary>y = f(conv(x) + b): a convolution (groups included) with the bias and activation in its epilogue.</summary>
internal sealed record ConvForwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    Window2D Window, ActivationPlan Epilogue) : OpPlan(Layer);

/// <summary>dW, db from dz (the delta at the pre-activation) and x; with an <see cref="InputDelta"/>, dx = f′_prev ⊙ convᵀ(dz).</summary>
internal sealed record ConvBackwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    Window2D Window, BufferRef? InputDelta, ActivationPlan InputDerivative) : OpPlan(Layer);

/// <summary>
/// A transposed convolution: y = f(convᵀ(x) + b), where <see cref="Window"/> is the convolution it transposes (from this
/// layer's output shape to its input shape); the bias is per output channel (Window.InChannels).
/// </summary>
internal sealed record ConvTransposeForwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    Window2D Window, ActivationPlan Epilogue) : OpPlan(Layer);

/// <summary>dW = the convolution's weight gradient with the roles swapped, db = Σ dz per channel, dx = f′_prev ⊙ conv(dz).</summary>
internal sealed record ConvTransposeBackwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    Window2D Window, BufferRef? InputDelta, ActivationPlan InputDerivative) : OpPlan(Layer);

internal enum PoolKind { Max, Average, GlobalAverage }

/// <summary>Pooling per channel; max pooling records each output's winning position in <see cref="Switches"/> (ints in a float buffer).</summary>
internal sealed record PoolForwardOp(string Layer, PoolKind Kind, BufferRef Input, BufferRef Output, BufferRef? Switches, Window2D Window) : OpPlan(Layer);

/// <summary>dx = the gradient routed to each window's winner (max) or spread over it (average), times f′_prev.</summary>
internal sealed record PoolBackwardOp(string Layer, PoolKind Kind, BufferRef Input, BufferRef Output, BufferRef? Switches, Window2D Window,
    BufferRef InputDelta, ActivationPlan InputDerivative) : OpPlan(Layer);

/// <summary>Max-unpooling with a pooling's switches: <see cref="Window"/> is that pooling's (its output is this op's input).</summary>
internal sealed record UnpoolForwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Switches, Window2D Window) : OpPlan(Layer);

/// <summary>dx[o] = dy[switch[o]] ⊙ f′_prev.</summary>
internal sealed record UnpoolBackwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Switches, Window2D Window,
    BufferRef InputDelta, ActivationPlan InputDerivative) : OpPlan(Layer);

/// <summary>One input of an Add or Concat on the way back: where its gradient goes and its producer's derivative.</summary>
internal sealed record JoinedInput(BufferRef Input, BufferRef? InputDelta, ActivationPlan InputDerivative);

/// <summary>y = f(Σ inputs), element-wise (a residual connection).</summary>
internal sealed record AddForwardOp(string Layer, EquatableArray<BufferRef> Inputs, BufferRef Output, ActivationPlan Activation) : OpPlan(Layer);

/// <summary>Each input's gradient is the sum's delta times its producer's derivative.</summary>
internal sealed record AddBackwardOp(string Layer, BufferRef Output, EquatableArray<JoinedInput> Inputs) : OpPlan(Layer);

/// <summary>Per sample, the inputs one after another (NCHW: concatenation along the channels).</summary>
internal sealed record ConcatForwardOp(string Layer, EquatableArray<BufferRef> Inputs, BufferRef Output) : OpPlan(Layer);

/// <summary>Splits the delta back into the inputs' parts, times their producers' derivatives.</summary>
internal sealed record ConcatBackwardOp(string Layer, BufferRef Output, EquatableArray<JoinedInput> Inputs) : OpPlan(Layer);

/// <summary>A buffer read by several layers: its delta (written by one) plus the others' contributions, before its producer runs backwards.</summary>
internal sealed record GradientSumOp(string Layer, BufferRef Target, EquatableArray<BufferRef> Contributions) : OpPlan(Layer);

/// <summary>Turns the gradient at a softmax output into the gradient at its input, in the delta arena, in place.</summary>
internal sealed record SoftmaxBackwardOp(string Layer, BufferRef Buffer) : OpPlan(Layer);

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

/// <summary>The loss over the output buffer; writes the output delta. <see cref="Derivative"/> is the output activation's (Linear when fused or when a softmax backward follows).</summary>
internal sealed record LossPlan(LossKind Kind, LossFusion Fusion, BufferRef Output, ActivationPlan Derivative, float LogisticSlope);
