using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;
using Microsoft.CodeAnalysis;

namespace Compiled.Nets.Generators.Layers.Input;

/// <summary>[Input(features)], [Input(channels, length)], [Input(channels, height, width)] or [SequenceInput(length, features)].</summary>
internal sealed record InputOptions : LayerOptions
{
    public override LayerFamily Family => InputFamily.Instance;
    public override string Kind => IsTokens ? "TokenInput" : IsSequence ? "SequenceInput" : "Input";
    public required EquatableArray<int> Shape { get; init; }
    /// <summary>[SequenceInput(length, features)]: the shape is [length, features], batch-first.</summary>
    public bool IsSequence { get; init; }
    /// <summary>[TokenInput(length)]: the shape is [length] token ids, read by an Embedding.</summary>
    public bool IsTokens { get; init; }
}

/// <summary>The network's input: a shape, read from the caller's span (no buffer of its own).</summary>
internal sealed partial class InputFamily : LayerFamily
{
    public static readonly InputFamily Instance = new();

    public override string Name => "Input";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "InputAttribute", "SequenceInputAttribute", "TokenInputAttribute" };
    public override bool IsInput => true;

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        if (attribute.AttributeName == "TokenInputAttribute")
            return attribute.Has(0) ? new InputOptions { Shape = new[] { attribute.Int(0) }.ToEquatableArray(), IsTokens = true } : null;
        if (attribute.AttributeName == "SequenceInputAttribute")
        {
            if (!attribute.Has(0) || !attribute.Has(1)) return null;
            return new InputOptions { Shape = new[] { attribute.Int(0), attribute.Int(1) }.ToEquatableArray(), IsSequence = true };
        }
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
        var options = (InputOptions)layer.Options;
        var shape = options.Shape;
        if (options.IsTokens && shape[0] <= 0)
        {
            context.Report(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Name, "length", shape[0]);
            return null;
        }
        if (options.IsSequence)
        {
            if (shape[0] <= 0) context.Report(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Name, "length", shape[0]);
            if (shape[1] <= 0) context.Report(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Name, "features", shape[1]);
            if (shape[0] <= 0 || shape[1] <= 0) return null;
        }
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
            Kind = options.Kind,
            OutputShape = shape,
            InputSize = 0,
            OutputSize = size,
            Activation = ActivationPlan.Linear,
            DeltaAtPreActivation = false,
            Options = layer.Options,
            Modifiers = layer.Modifiers,
            IsPartial = layer.IsPartial,
            Inputs = EquatableArray<int>.Empty,
            Steps = options.IsSequence || options.IsTokens ? shape[0] : 0,
            IsTokens = options.IsTokens,
        };
    }

    public override string Describe(LayerPlan layer) => ((InputOptions)layer.Options).IsTokens ? $"a sequence of {layer.Steps} token ids" : layer.Steps > 0 ? $"a sequence of {layer.Steps} steps of {layer.OutputSize / layer.Steps} features" : "input";

    public override string ShortDescription(LayerPlan layer) => $"{layer.OutputSize}";
}
