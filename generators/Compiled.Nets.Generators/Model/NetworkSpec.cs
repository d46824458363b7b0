using Compiled.Nets.Generators.Layers;

namespace Compiled.Nets.Generators.Model;

/// <summary>
/// What the user declared, as parsed from the attributes: no symbols, no syntax, only values.
/// Produced by <see cref="Parsing.NetworkParser"/>; read by <see cref="ShapeInference"/>.
/// </summary>
internal sealed record NetworkSpec
{
    public required TypeDeclarationInfo Type { get; init; }
    public required LossKind Loss { get; init; }
    public required TrainingRuleKind Training { get; init; }
    public required int Seed { get; init; }
    public required float LearningRate { get; init; }
    public required InitializationKind Initialization { get; init; }
    public required int UnrollLimit { get; init; }
    public required float L1 { get; init; }
    public required float L2 { get; init; }
    public required bool RegularizeBiases { get; init; }
    /// <summary>Reduction = LossReduction.SumPerSample: the output loss summed over each sample's values, averaged over the batch.</summary>
    public bool SumPerSample { get; init; }
    public required LocationInfo? Location { get; init; }
    public required EquatableArray<LayerSpec> Layers { get; init; }
}

/// <summary>Where the generated partial class goes: namespace, name and the partial types that contain it.</summary>
internal sealed record TypeDeclarationInfo(string Namespace, string Name, EquatableArray<string> ContainingTypes);

/// <summary>
/// One layer member: what every layer has (its name, where it is declared, the layers it reads) and the options its
/// family parsed from its attribute. <see cref="InputNames"/> empty means the layer declared before.
/// </summary>
internal sealed record LayerSpec
{
    public required string Name { get; init; }
    public required LayerOptions Options { get; init; }
    public required string Modifiers { get; init; }
    public required bool IsPartial { get; init; }
    public required LocationInfo? Location { get; init; }
    public required EquatableArray<string> InputNames { get; init; }
    /// <summary>The activity penalty λ on the layer's outputs (<c>ActivityL1 = λ</c>, every layer attribute has it); 0: none.</summary>
    public float ActivityL1 { get; init; }
    /// <summary>False: the layer is frozen from the start (<c>Trainable = false</c>).</summary>
    public bool Trainable { get; init; } = true;
    /// <summary>The KL sparsity penalty: target ρ and weight β (β = 0: none).</summary>
    public float SparsityTarget { get; init; } = 0.05f;
    public float SparsityWeight { get; init; }

    public LayerFamily Family => Options.Family;
}

/// <summary>A pipeline stage's output together with every diagnostic reported so far.</summary>
internal sealed record StageResult<T>(T? Value, EquatableArray<DiagnosticInfo> Diagnostics) where T : class;
