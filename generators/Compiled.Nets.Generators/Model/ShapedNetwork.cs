namespace Compiled.Nets.Generators.Model;

/// <summary>
/// A network whose every shape is known and whose settings are resolved (loss chosen, slopes defaulted).
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

/// <summary>A layer with its input and output sizes (per sample) and its parameter counts.</summary>
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
    bool IsPartial)
{
    /// <summary>Dense: W [out, in]; BatchNorm: γ [features]; PReLU: the slope a [1].</summary>
    public int WeightCount => Kind switch
    {
        LayerKind.Dense => InputSize * OutputSize,
        LayerKind.BatchNorm => OutputSize,
        LayerKind.PReLU => 1,
        _ => 0,
    };

    /// <summary>Dense: b [out]; BatchNorm: β [features].</summary>
    public int BiasCount => Kind is LayerKind.Dense or LayerKind.BatchNorm ? OutputSize : 0;

    public int ParameterCount => WeightCount + BiasCount;

    /// <summary>Values that are saved but not trained: BatchNorm's running mean and variance.</summary>
    public int StateCount => Kind == LayerKind.BatchNorm ? 2 * OutputSize : 0;
}
