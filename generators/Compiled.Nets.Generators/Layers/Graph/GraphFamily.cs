using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;
using Microsoft.CodeAnalysis;

namespace Compiled.Nets.Generators.Layers.Graph;

internal enum GraphKind { Add, Concat, Flatten }

/// <summary>[Add(nameof(a), nameof(b), …)] (activation, slope), [Concat(…)], [Flatten]; the joined layers are the spec's input names.</summary>
internal sealed record GraphOptions : LayerOptions
{
    public override LayerFamily Family => GraphFamily.Instance;
    public override string Kind => Graph.ToString();
    public required GraphKind Graph { get; init; }
    public required ActivationKind Activation { get; init; }
    public required float Slope { get; init; }
}

/// <summary>
/// The layers that shape the graph rather than compute: Add (a residual sum, with an activation after it), Concat
/// (along the channels) and Flatten (no op: the same buffer seen as a vector; inserted on its own before Dense and Maxout).
/// </summary>
internal sealed partial class GraphFamily : LayerFamily
{
    public static readonly GraphFamily Instance = new();

    public override string Name => "Graph";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "AddAttribute", "ConcatAttribute", "FlattenAttribute" };

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        var kind = attribute.AttributeName switch { "AddAttribute" => GraphKind.Add, "ConcatAttribute" => GraphKind.Concat, _ => GraphKind.Flatten };
        if (kind != GraphKind.Flatten)
        {
            foreach (var argument in attribute.Arguments)
            {
                if (argument.Kind == TypedConstantKind.Array)
                {
                    if (argument.IsNull) return null;
                    foreach (var value in argument.Values)
                    {
                        if (value.Value is not string name) return null;
                        attribute.InputNames.Add(name);
                    }
                }
                else if (argument.Value is string name)
                {
                    attribute.InputNames.Add(name);
                }
            }
        }
        var options = new GraphOptions { Graph = kind, Activation = ActivationKind.Linear, Slope = float.NaN };
        foreach (var named in attribute.Named)
        {
            options = named.Key switch
            {
                "Activation" => options with { Activation = (ActivationKind)LayerAttribute.Int(named.Value) },
                "Slope" => options with { Slope = LayerAttribute.Float(named.Value) },
                _ => options,
            };
        }
        return options;
    }

    private static GraphKind KindOf(LayerOptions options) => ((GraphOptions)options).Graph;

    public override bool CanBeOutput(LayerOptions options) => KindOf(options) != GraphKind.Flatten;

    /// <summary>Add sums sequences element by element and Flatten turns one into a vector; Concat joins channels, not steps.</summary>
    public override bool ReadsSequences(LayerOptions options) => KindOf(options) != GraphKind.Concat;

    public override int MinimumNamedInputs(LayerOptions options) => KindOf(options) == GraphKind.Flatten ? 0 : 2;

    public override bool SharesInputBuffer(LayerOptions options) => KindOf(options) == GraphKind.Flatten;

    /// <summary>The Flatten inserted before a Dense or Maxout layer that reads feature maps, listed in the Summary as "name.flatten".</summary>
    public static ShapedLayer ImplicitFlatten(string layer, int input, ShapedLayer maps) => new()
    {
        Name = layer + ".flatten",
        Kind = "Flatten",
        OutputShape = new[] { maps.OutputSize }.ToEquatableArray(),
        InputSize = maps.OutputSize,
        OutputSize = maps.OutputSize,
        Activation = ActivationPlan.Linear,
        DeltaAtPreActivation = false,
        Options = new GraphOptions { Graph = GraphKind.Flatten, Activation = ActivationKind.Linear, Slope = float.NaN },
        Modifiers = "",
        IsPartial = false,
        Inputs = new[] { input }.ToEquatableArray(),
    };

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var options = (GraphOptions)layer.Options;
        var first = inputs[0];
        var shape = first.OutputShape.ToList();
        switch (options.Graph)
        {
            case GraphKind.Flatten:
                return context.Create(layer, inputs, new[] { first.OutputSize }, options, ActivationPlan.Linear, deltaAtPreActivation: false);
            case GraphKind.Concat:
            {
                int joined = 0;
                foreach (var other in inputs)
                {
                    if (other.OutputShape.Count != shape.Count || !other.OutputShape.Skip(1).SequenceEqual(shape.Skip(1)))
                    {
                        context.Report(DiagnosticDescriptors.InputShapeMismatch, layer.Location, layer.Name, other.Name, ShapeContext.Shape(other.OutputShape),
                            $"Concat joins along the channels (the first dimension), so the others must match '{first.Name}' {ShapeContext.Shape(first.OutputShape)}");
                        return null;
                    }
                    joined += other.OutputShape[0];
                }
                shape[0] = joined;
                return context.Create(layer, inputs, shape, options, ActivationPlan.Linear, deltaAtPreActivation: false);
            }
            default:
            {
                if (!SettingRules.Activation(context, layer, options.Activation)) return null;
                for (int j = 1; j < inputs.Count; j++)
                {
                    if (inputs[j].OutputShape == first.OutputShape) continue;
                    context.Report(DiagnosticDescriptors.AddShapeMismatch, layer.Location, layer.Name,
                        first.Name, ShapeContext.Shape(first.OutputShape), inputs[j].Name, ShapeContext.Shape(inputs[j].OutputShape));
                    return null;
                }
                ActivationRules.Check(context, layer, options.Activation, SoftmaxRule.Rejected);
                float slope = ActivationRules.ResolveSlope(context, layer, options.Activation, options.Slope);
                return context.Create(layer, inputs, shape, options with { Slope = slope }, new ActivationPlan(options.Activation, slope), deltaAtPreActivation: true);
            }
        }
    }

    public override long Flops(ShapedLayer layer) => KindOf(layer.Options) == GraphKind.Add ? (long)layer.OutputSize * (layer.Inputs.Count - 1) : 0;

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        if (KindOf(layer.Options) == GraphKind.Flatten) return;
        var inputs = layer.Inputs.Select(context.Buffer).ToEquatableArray();
        if (KindOf(layer.Options) == GraphKind.Add) context.Forward(new AddForwardOp(layer.Name, inputs, context.Buffer(index), layer.Activation));
        else context.Forward(new ConcatForwardOp(layer.Name, inputs, context.Buffer(index)));
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var joined = layer.Inputs.Select(j => context.Propagates(j)
            ? new JoinedInput(context.Buffer(j), context.DeltaTarget(j), context.DerivativeOf(j))
            : new JoinedInput(context.Buffer(j), null, ActivationPlan.Linear)).ToEquatableArray();
        if (KindOf(layer.Options) == GraphKind.Add) context.Backward(new AddBackwardOp(layer.Name, context.Buffer(index), joined));
        else context.Backward(new ConcatBackwardOp(layer.Name, context.Buffer(index), joined));
    }

    public override string Describe(LayerPlan layer) => KindOf(layer.Options) switch
    {
        GraphKind.Add => $"sum of {layer.Inputs.Count} inputs, {CSharpCode.Describe(layer.Activation)}",
        GraphKind.Concat => $"concatenation of {layer.Inputs.Count} inputs along the channels",
        _ => "flatten",
    };

    public override bool ShowsActivation(LayerPlan layer) => KindOf(layer.Options) == GraphKind.Add;
}
