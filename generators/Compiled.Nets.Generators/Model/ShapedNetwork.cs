using Compiled.Nets.Generators.Layers;

namespace Compiled.Nets.Generators.Model;

/// <summary>
/// A network whose every shape is known and whose settings are resolved (loss chosen, slopes defaulted), its layers
/// in execution order (inputs before the layers that read them; the output last).
/// Produced by <see cref="ShapeInference"/>; read by <see cref="Lowering"/>.
/// </summary>
internal sealed record ShapedNetwork(
    TypeDeclarationInfo Type,
    LossKind Loss,
    TrainingRuleKind Training,
    int Seed,
    float LearningRate,
    int UnrollLimit,
    EquatableArray<ShapedLayer> Layers)
{
    /// <summary>The output loss summed over each sample's values (LossReduction.SumPerSample) instead of averaged over them.</summary>
    public bool SumPerSample { get; init; }

    public ShapedLayer Input => Layers[0];
    public ShapedLayer Output => Layers[Layers.Count - 1];
}

/// <summary>
/// A layer with its shapes (per sample), its parameter counts and its family's resolved options. <see cref="Inputs"/>
/// index the layers it reads (in <see cref="ShapedNetwork.Layers"/>). <see cref="Activation"/> is the layer's own
/// element-wise activation (linear when it has none); when <see cref="DeltaAtPreActivation"/>, the activation is fused
/// into the layer's op and the delta of its buffer is the gradient at the pre-activation.
/// </summary>
internal sealed record ShapedLayer
{
    public required string Name { get; init; }
    /// <summary>The layer's kind as its attribute names it ("Dense", "Conv2D", …): the Summary's type column.</summary>
    public required string Kind { get; init; }
    public required EquatableArray<int> OutputShape { get; init; }
    public required int InputSize { get; init; }
    public required int OutputSize { get; init; }
    public required ActivationPlan Activation { get; init; }
    public required bool DeltaAtPreActivation { get; init; }
    /// <summary>The family's options with defaults resolved.</summary>
    public required LayerOptions Options { get; init; }
    /// <summary>What the family inferred beyond the shape (a window's geometry, …); null when nothing.</summary>
    public LayerDetail? Detail { get; init; }
    public int WeightCount { get; init; }
    public int BiasCount { get; init; }
    /// <summary>Values that are saved but not trained (BatchNorm's running mean and variance).</summary>
    public int StateCount { get; init; }
    /// <summary>Per-feature values kept between the passes (BatchNorm's 1/σ).</summary>
    public int ScratchCount { get; init; }
    public float L1 { get; init; }
    public float L2 { get; init; }
    public bool RegularizeBias { get; init; }
    /// <summary>The activity penalty λ on the layer's outputs (0: none), a loss term of its own.</summary>
    public float ActivityL1 { get; init; }
    /// <summary>False: the optimizer leaves the layer's parameters alone until it is unfrozen at run time.</summary>
    public bool Trainable { get; init; } = true;
    /// <summary>The KL sparsity penalty's target ρ and weight β (β = 0: none), a loss term of its own.</summary>
    public float SparsityTarget { get; init; }
    public float SparsityWeight { get; init; }
    public required string Modifiers { get; init; }
    public required bool IsPartial { get; init; }
    public required EquatableArray<int> Inputs { get; init; }
    /// <summary>
    /// The number of steps when the output is a sequence, [steps, features] batch-first (0: not a sequence). A sequence is
    /// what recurrent layers read and what a Dense layer applies to step by step.
    /// </summary>
    public int Steps { get; init; }
    /// <summary>The output is token ids ([TokenInput(length)]): only an Embedding reads it.</summary>
    public bool IsTokens { get; init; }

    public LayerFamily Family => Options.Family;
    public int ParameterCount => WeightCount + BiasCount;
    public bool IsSequence => Steps > 0;
}

/// <summary>
/// A 2-D window over NCHW maps, PyTorch's Conv2d geometry (1-D is height 1): input [InChannels, InHeight, InWidth],
/// output [OutChannels, OutHeight, OutWidth] with Out = ⌊(In + 2·Pad − Kernel) / Stride⌋ + 1. Pooling uses
/// OutChannels = InChannels and ignores Groups.
/// </summary>
internal sealed record Window2D(int InChannels, int InHeight, int InWidth, int OutChannels, int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth, int PadHeight, int PadWidth, int Groups)
{
    public int OutHeight => (InHeight + 2 * PadHeight - KernelHeight) / StrideHeight + 1;
    public int OutWidth => (InWidth + 2 * PadWidth - KernelWidth) / StrideWidth + 1;
    public int InputSize => InChannels * InHeight * InWidth;
    public int OutputSize => OutChannels * OutHeight * OutWidth;
    public int PatchLength => InChannels / Groups * KernelHeight * KernelWidth;
    public int WeightCount => OutChannels * PatchLength;
    /// <summary>Multiply-adds per sample of the convolution.</summary>
    public long MultiplyAdds => (long)OutputSize * PatchLength;
}
