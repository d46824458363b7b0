using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Compiled.Nets.Generators.Layers;
using Compiled.Nets.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Compiled.Nets.Generators.Pipeline;

/// <summary>What a family sees while it infers one layer: the network's settings, the layers inferred so far, and where diagnostics go.</summary>
internal sealed class ShapeContext
{
    private readonly ImmutableArray<DiagnosticInfo>.Builder _diagnostics;
    private readonly Func<string, int> _positionOf;

    public ShapeContext(NetworkSpec network, ImmutableArray<DiagnosticInfo>.Builder diagnostics, IReadOnlyList<ShapedLayer> layers,
        Func<string, int> positionOf, float networkL1, float networkL2)
    {
        Network = network;
        _diagnostics = diagnostics;
        Layers = layers;
        _positionOf = positionOf;
        NetworkL1 = networkL1;
        NetworkL2 = networkL2;
    }

    public NetworkSpec Network { get; }

    /// <summary>The layers inferred so far, in execution order.</summary>
    public IReadOnlyList<ShapedLayer> Layers { get; }

    public bool GradientDescent => Network.Training == TrainingRuleKind.GradientDescent;

    /// <summary>Whether the layer being inferred is the network's output (declared last).</summary>
    public bool IsOutput { get; internal set; }

    /// <summary>Indices (in <see cref="Layers"/>) of the inputs of the layer being inferred.</summary>
    public EquatableArray<int> Inputs { get; internal set; }

    public float NetworkL1 { get; }
    public float NetworkL2 { get; }

    public bool HasErrors => _diagnostics.Any(d => d.IsError);

    /// <summary>Set when a size went beyond what an arena can index (CN0040 reported): the network stops there.</summary>
    public bool TooLarge { get; private set; }

    /// <summary>
    /// The product of <paramref name="factors"/> (<paramref name="what"/>: "the weights of {layer}") computed in 64 bits; beyond <see cref="SizeCheck.MaxElements"/> it reports
    /// CN0040 at the layer ("network too large") and returns 0.
    /// </summary>
    public int Size(LayerSpec layer, string what, params long[] factors)
    {
        long product = 1;
        foreach (long factor in factors) product = SizeCheck.Mul(product, factor);
        if (product >= 0 && product <= SizeCheck.MaxElements) return (int)product;
        if (!TooLarge)
        {
            string number = product == long.MaxValue ? "more than 9.2·10^18" : product.ToString("N0", CultureInfo.InvariantCulture);
            Report(DiagnosticDescriptors.NetworkTooLarge, layer.Location, Network.Type.Name, what.Replace("{layer}", $"layer '{layer.Name}'"), number);
        }
        TooLarge = true;
        return 0;
    }

    public void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] arguments) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

    /// <summary>The inferred layer declared under <paramref name="name"/>, or null.</summary>
    public ShapedLayer? LayerNamed(string name)
    {
        int position = _positionOf(name);
        return position >= 0 ? Layers[position] : null;
    }

    public int PositionOf(string name) => _positionOf(name);

    /// <summary>A shaped layer with the common members filled in; the family adds its counts and detail with <c>with</c>.</summary>
    public ShapedLayer Create(LayerSpec layer, IReadOnlyList<ShapedLayer> inputs, IEnumerable<int> shape, LayerOptions options,
        ActivationPlan activation, bool deltaAtPreActivation)
    {
        var outputShape = shape.ToEquatableArray();
        int outputSize = Size(layer, "the output of {layer} " + Shape(outputShape), outputShape.Select(d => (long)d).ToArray());
        return new ShapedLayer
        {
            Name = layer.Name,
            Kind = options.Kind,
            OutputShape = outputShape,
            InputSize = inputs[0].OutputSize,
            OutputSize = outputSize,
            Activation = activation,
            DeltaAtPreActivation = deltaAtPreActivation,
            Options = options,
            Modifiers = layer.Modifiers,
            IsPartial = layer.IsPartial,
            Inputs = Inputs,
            RegularizeBias = Network.RegularizeBiases,
            // An element-wise layer (Dropout, Add) keeps its input's steps; families that reshape a sequence set their own.
            Steps = inputs.Count > 0 && inputs[0].IsSequence && outputShape.SequenceEqual(inputs[0].OutputShape) ? inputs[0].Steps : 0,
        };
    }

    /// <summary>The layer's L1 and L2 penalty weights: its own where set (NaN: not set), else the network's.</summary>
    public (float L1, float L2) Penalties(LayerSpec layer, float l1, float l2) =>
        (float.IsNaN(l1) ? NetworkL1 : CheckPenalty(l1, "L1", layer.Name, layer.Location, DiagnosticDescriptors.InvalidLayerPenalty),
         float.IsNaN(l2) ? NetworkL2 : CheckPenalty(l2, "L2", layer.Name, layer.Location, DiagnosticDescriptors.InvalidLayerPenalty));

    public InitializationKind Initialization(InitializationKind declared) =>
        declared == InitializationKind.Default ? Network.Initialization : declared;

    public float CheckPenalty(float value, string setting, string owner, LocationInfo? location, DiagnosticDescriptor descriptor)
    {
        if (value >= 0f && !float.IsInfinity(value)) return value;
        Report(descriptor, location, owner, setting, Format(value), "a penalty weight must be zero or positive and finite");
        return 0f;
    }

    public static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Shape(IEnumerable<int> shape) => "[" + string.Join(", ", shape) + "]";
}
