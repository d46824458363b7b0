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
    string Modifiers,
    bool IsPartial)
{
    public int WeightCount => Kind == LayerKind.Dense ? InputSize * OutputSize : 0;
    public int BiasCount => Kind == LayerKind.Dense ? OutputSize : 0;
    public int ParameterCount => WeightCount + BiasCount;
    public long MultiplyAdds => (long)WeightCount;
}
