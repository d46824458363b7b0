using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;
using Microsoft.CodeAnalysis;

namespace Compiled.Nets.Generators.Layers.Input;

/// <summary>[Input(features)], [Input(channels, length)] or [Input(channels, height, width)].</summary>
internal sealed record InputOptions : LayerOptions
{
    public override LayerFamily Family => InputFamily.Instance;
    public override string Kind => "Input";
    public required EquatableArray<int> Shape { get; init; }
}

/// <summary>The network's input: a shape, read from the caller's span (no buffer of its own).</summary>
internal sealed class InputFamily : LayerFamily
{
    public static readonly InputFamily Instance = new();

    public override string Name => "Input";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "InputAttribute" };
    public override bool IsInput => true;

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        var shape = new List<int>();
        foreach (var argument in attribute.Arguments)
        {
            if (argument.Kind == TypedConstantKind.Array)
            {
                if (argument.IsNull) return null;
                foreach (var value in argument.Values) shape.Add(LayerAttribute.Int(value.Value!));
            }
            else if (argument.Value is not null)
            {
                shape.Add(LayerAttribute.Int(argument.Value));
            }
        }
        return new InputOptions { Shape = shape.ToEquatableArray() };
    }

    /// <summary>The input layer; null when its shape is not one a network can read.</summary>
    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var shape = ((InputOptions)layer.Options).Shape;
        if (shape.Count == 0)
            context.Report(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Name, "no shape", "[]");
        for (int i = 0; i < shape.Count; i++)
        {
            if (shape[i] <= 0)
                context.Report(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Name, shape.Count == 1 ? "size" : $"dimension {i}", shape[i]);
        }
        if (shape.Count > 3)
            context.Report(DiagnosticDescriptors.InvalidInputShape, layer.Location, layer.Name, "shape",
                ShapeContext.Shape(shape), "an input is [features], [channels, length] or [channels, height, width]");
        if (shape.Count == 0 || shape.Count > 3 || shape.Any(d => d <= 0)) return null;
        int size = context.Size(layer, "the output of {layer} " + ShapeContext.Shape(shape), shape.Select(d => (long)d).ToArray());
        if (context.TooLarge) return null;
        return new ShapedLayer
        {
            Name = layer.Name,
            Kind = "Input",
            OutputShape = shape,
            InputSize = 0,
            OutputSize = size,
            Activation = ActivationPlan.Linear,
            DeltaAtPreActivation = false,
            Options = layer.Options,
            Modifiers = layer.Modifiers,
            IsPartial = layer.IsPartial,
            Inputs = EquatableArray<int>.Empty,
        };
    }

    public override string Describe(LayerPlan layer) => "input";

    public override string ShortDescription(LayerPlan layer) => $"{layer.OutputSize}";
}
