namespace Compiled.Nets.Generators.Model;

/// <summary>
/// What the user declared, as parsed from the attributes: no symbols, no syntax, only values.
/// Produced by <see cref="Parsing.NetworkParser"/>; read by <see cref="ShapeInference"/>.
/// </summary>
internal sealed record NetworkSpec(
    TypeDeclarationInfo Type,
    LossKind Loss,
    TrainingRuleKind Training,
    int Seed,
    float LearningRate,
    InitializationKind Initialization,
    int UnrollLimit,
    float L1,
    float L2,
    bool RegularizeBiases,
    LocationInfo? Location,
    EquatableArray<LayerSpec> Layers);

/// <summary>Where the generated partial class goes: namespace, name and the partial types that contain it.</summary>
internal sealed record TypeDeclarationInfo(string Namespace, string Name, EquatableArray<string> ContainingTypes);

/// <summary>
/// One layer member. <see cref="Slope"/> (also PReLU's initial slope), <see cref="L1"/> and <see cref="L2"/> are NaN
/// when the user did not set them. <see cref="Rate"/> is Dropout's; <see cref="Momentum"/> and <see cref="Epsilon"/> BatchNorm's.
/// <see cref="Units"/> is also a convolution's filter count. <see cref="InputNames"/> are the layers it reads (empty: the one
/// declared before); <see cref="Reference"/> is MaxUnpool's pooling layer; <see cref="Pieces"/> Maxout's.
/// </summary>
internal sealed record LayerSpec(
    string Name,
    LayerKind Kind,
    EquatableArray<int> Shape,
    int Units,
    ActivationKind Activation,
    float Slope,
    InitializationKind Initialization,
    float BiasInitialValue,
    float L1,
    float L2,
    float Rate,
    float Momentum,
    float Epsilon,
    string Modifiers,
    bool IsPartial,
    LocationInfo? Location,
    EquatableArray<string> InputNames,
    WindowSpec Window,
    int Pieces,
    string Reference);

/// <summary>
/// A convolution's or pooling's window as declared: kernel (window) size, stride (0 = the pooling default, the size),
/// padding rule and explicit padding (−1 = use the rule), groups and a transposed convolution's output padding.
/// </summary>
internal sealed record WindowSpec(int Kernel, int Stride, PaddingKind Padding, int PaddingSize, int Groups, int OutputPadding)
{
    public static readonly WindowSpec None = new(0, 1, PaddingKind.Valid, -1, 1, 0);
}

/// <summary>A pipeline stage's output together with every diagnostic reported so far.</summary>
internal sealed record StageResult<T>(T? Value, EquatableArray<DiagnosticInfo> Diagnostics) where T : class;
