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
    public ShapedLayer Input => Layers[0];
    public ShapedLayer Output => Layers[Layers.Count - 1];
}

/// <summary>
/// A layer with its input and output sizes (per sample) and its parameter counts. <see cref="Inputs"/> index the
/// layers it reads (in <see cref="ShapedNetwork.Layers"/>); <see cref="Window"/> is a convolution's or pooling's
/// geometry (for a transposed convolution, that of the convolution it transposes; for a separable one, its depthwise
/// part); <see cref="SwitchSource"/> is the max pooling layer whose switches a MaxUnpool reuses (−1 otherwise).
/// </summary>
internal sealed record ShapedLayer(
    string Name,
    LayerKind Kind,
    EquatableArray<int> OutputShape,
    int InputSize,
    int OutputSize,
    ActivationKind Activation,
    float Slope,
    InitializationKind Initialization,
    float BiasInitialValue,
    float L1,
    float L2,
    bool RegularizeBias,
    float Rate,
    float Momentum,
    float Epsilon,
    string Modifiers,
    bool IsPartial,
    EquatableArray<int> Inputs,
    Window2D? Window,
    int Pieces,
    int SwitchSource,
    int Channels)
{
    /// <summary>
    /// Dense: W [out, in]; BatchNorm: γ [features or channels]; PReLU: the slope a [1]; convolutions: [OutC, InC/G, KH, KW]
    /// (separable: depthwise then pointwise); Maxout: [units·pieces, in].
    /// </summary>
    public int WeightCount => Kind switch
    {
        LayerKind.Dense => InputSize * OutputSize,
        LayerKind.Maxout => InputSize * OutputSize * Pieces,
        LayerKind.BatchNorm => Channels,
        LayerKind.PReLU => 1,
        LayerKind.Conv1D or LayerKind.Conv2D or LayerKind.ConvTranspose2D => Window!.WeightCount,
        LayerKind.SeparableConv2D => Window!.WeightCount + Window.OutChannels * OutputShape[0],
        _ => 0,
    };

    /// <summary>Dense: b [out]; BatchNorm: β; convolutions: one per output channel (separable: depthwise then pointwise).</summary>
    public int BiasCount => Kind switch
    {
        LayerKind.Dense => OutputSize,
        LayerKind.Maxout => OutputSize * Pieces,
        LayerKind.BatchNorm => Channels,
        LayerKind.Conv1D or LayerKind.Conv2D => Window!.OutChannels,
        LayerKind.ConvTranspose2D => Window!.InChannels,
        LayerKind.SeparableConv2D => Window!.OutChannels + OutputShape[0],
        _ => 0,
    };

    public int ParameterCount => WeightCount + BiasCount;

    /// <summary>Values that are saved but not trained: BatchNorm's running mean and variance.</summary>
    public int StateCount => Kind == LayerKind.BatchNorm ? 2 * Channels : 0;
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
