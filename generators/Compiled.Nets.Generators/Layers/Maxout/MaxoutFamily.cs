using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Layers.Dense;
using Compiled.Nets.Generators.Layers.Pooling;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators.Layers.Maxout;

/// <summary>[Maxout(units, pieces)]: initialisation and penalties Default/NaN when not set.</summary>
internal sealed record MaxoutOptions : LayerOptions
{
    public override LayerFamily Family => MaxoutFamily.Instance;
    public override string Kind => "Maxout";
    public required int Units { get; init; }
    public required int Pieces { get; init; }
    public required InitializationKind Initialization { get; init; }
    public required float L1 { get; init; }
    public required float L2 { get; init; }
}

/// <summary>
/// Maxout units (Goodfellow et al. 2013): the maximum of <c>pieces</c> affine functions per unit. Lowered to a dense
/// product into all units·pieces values, then a max pooling over each unit's pieces; W [units·pieces, in].
/// </summary>
internal sealed partial class MaxoutFamily : LayerFamily
{
    public static readonly MaxoutFamily Instance = new();

    public override string Name => "Maxout";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "MaxoutAttribute" };

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        if (!attribute.Has(0) || !attribute.Has(1)) return null;
        var options = new MaxoutOptions
        {
            Units = attribute.Int(0), Pieces = attribute.Int(1), Initialization = InitializationKind.Default, L1 = float.NaN, L2 = float.NaN,
        };
        foreach (var named in attribute.Named)
        {
            options = named.Key switch
            {
                "Initialization" => options with { Initialization = (InitializationKind)LayerAttribute.Int(named.Value) },
                "L1" => options with { L1 = LayerAttribute.Float(named.Value) },
                "L2" => options with { L2 = LayerAttribute.Float(named.Value) },
                _ => options,
            };
        }
        return options;
    }

    public override bool NeedsFlatInput(LayerOptions options) => true;

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var options = (MaxoutOptions)layer.Options;
        if (!SettingRules.Initialization(context, layer, options.Initialization)) return null;
        if (options.Units <= 0)
        {
            context.Report(DiagnosticDescriptors.EmptyOutput, layer.Location, layer.Name, $"[{options.Units}]", "a maxout layer needs at least one unit");
            return null;
        }
        if (options.Pieces < 2)
        {
            context.Report(DiagnosticDescriptors.InvalidMaxoutPieces, layer.Location, layer.Name, "pieces", options.Pieces,
                "maxout takes the maximum of at least 2 affine pieces");
            return null;
        }
        var (l1, l2) = context.Penalties(layer, options.L1, options.L2);
        var resolved = options with { Initialization = context.Initialization(options.Initialization) };
        var shaped = context.Create(layer, inputs, new[] { options.Units }, resolved, ActivationPlan.Linear, deltaAtPreActivation: false);
        return shaped with { WeightCount = context.Size(layer, "the weights of {layer}", shaped.InputSize, shaped.OutputSize, options.Pieces), BiasCount = context.Size(layer, "the biases of {layer}", shaped.OutputSize, options.Pieces), L1 = l1, L2 = l2 };
    }

    public override long Flops(ShapedLayer layer)
    {
        int pieces = ((MaxoutOptions)layer.Options).Pieces;
        return 2L * layer.InputSize * layer.OutputSize * pieces + (long)layer.OutputSize * pieces;
    }

    public override IEnumerable<TensorPlan> Tensors(LayerPlan layer)
    {
        int pieces = ((MaxoutOptions)layer.Options).Pieces;
        yield return new TensorPlan(layer.Name + ".weight", new[] { layer.OutputSize * pieces, layer.InputSize }.ToEquatableArray(), false, layer.WeightOffset);
        yield return new TensorPlan(layer.Name + ".bias", new[] { layer.OutputSize * pieces }.ToEquatableArray(), false, layer.BiasOffset);
    }

    public override bool PenalizesWeights(LayerPlan layer) => true;

    public override void AllocateBuffers(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        context.AllocateNamed(index, "pieces", layer.OutputSize * ((MaxoutOptions)layer.Options).Pieces);
        context.AllocateNamed(index, "switches", layer.OutputSize);
    }

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        int pieces = ((MaxoutOptions)layer.Options).Pieces;
        var all = context.Named(index, "pieces");
        // All units·pieces affine values, then the maximum of each unit's pieces (a max pooling over the row).
        context.Forward(new DenseForwardOp(layer.Name, context.InputOf(index), all, layer.WeightOffset, layer.BiasOffset, ActivationPlan.Linear,
            DenseFamily.IsUnrolled(layer.InputSize, layer.OutputSize * pieces, context.UnrollLimit)));
        context.Forward(new PoolForwardOp(layer.Name, PoolKind.Max, all, context.Buffer(index), context.Named(index, "switches"), MaxoutWindow(layer)));
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        int pieces = ((MaxoutOptions)layer.Options).Pieces;
        var all = context.Named(index, "pieces");
        var input = context.InputOf(index);
        var (target, derivative) = context.GradientInto(layer.Inputs[0]);
        context.Backward(new PoolBackwardOp(layer.Name, PoolKind.Max, all, context.Buffer(index), context.Named(index, "switches"), MaxoutWindow(layer), all, ActivationPlan.Linear));
        context.Backward(new DenseBackwardOp(layer.Name, input, all, layer.WeightOffset, layer.BiasOffset, target is not null, derivative,
            DenseFamily.IsUnrolled(layer.InputSize, layer.OutputSize * pieces, context.UnrollLimit), target ?? input));
    }

    /// <summary>Maxout's maximum as a max pooling over one row of units·pieces values, windows of <c>pieces</c>.</summary>
    private static Window2D MaxoutWindow(LayerPlan layer)
    {
        int pieces = ((MaxoutOptions)layer.Options).Pieces;
        return new(1, 1, layer.OutputSize * pieces, 1, 1, pieces, 1, pieces, 0, 0, 1);
    }

    public override void WriteInitialization(SourceWriter w, LayerPlan layer)
    {
        var options = (MaxoutOptions)layer.Options;
        InitializationCode.WriteFill(w, layer.Name, options.Initialization, 0f, layer.WeightOffset, layer.WeightCount,
            layer.InputSize, layer.OutputSize * options.Pieces, layer.BiasOffset, layer.BiasCount);
    }

    public override string Describe(LayerPlan layer) => $"maxout {layer.InputSize} → {layer.OutputSize} × {((MaxoutOptions)layer.Options).Pieces} pieces";
}
