using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators.Layers.LocalNormalization;

/// <summary>[LocalResponseNorm(size, Alpha = 1e-4, Beta = 0.75, K = 1)].</summary>
internal sealed record LocalResponseNormOptions : LayerOptions
{
    public override LayerFamily Family => LocalNormalizationFamily.Instance;
    public override string Kind => "LocalResponseNorm";
    public required int Size { get; init; }
    public required float Alpha { get; init; }
    public required float Beta { get; init; }
    public required float K { get; init; }
}

/// <summary>[LocalContrastNorm(size, Epsilon = 1e-4)].</summary>
internal sealed record LocalContrastNormOptions : LayerOptions
{
    public override LayerFamily Family => LocalNormalizationFamily.Instance;
    public override string Kind => "LocalContrastNorm";
    public required int Size { get; init; }
    public required float Epsilon { get; init; }
}

/// <summary>
/// Parameter-free normalisation over neighbourhoods of feature maps: local response normalisation across channels
/// (Krizhevsky et al. 2012, PyTorch's LocalResponseNorm) and local contrast normalisation over a spatial window across
/// every channel (Jarrett et al. 2009). Both read [C, H, W] or [C, L] maps and keep their shape.
/// </summary>
internal sealed partial class LocalNormalizationFamily : LayerFamily
{
    public static readonly LocalNormalizationFamily Instance = new();

    public override string Name => "LocalNormalization";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "LocalResponseNormAttribute", "LocalContrastNormAttribute" };

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        if (!attribute.Has(0)) return null;
        if (attribute.AttributeName == "LocalContrastNormAttribute")
        {
            var contrast = new LocalContrastNormOptions { Size = attribute.Int(0), Epsilon = 1e-4f };
            foreach (var named in attribute.Named)
                if (named.Key == "Epsilon") contrast = contrast with { Epsilon = LayerAttribute.Float(named.Value) };
            return contrast;
        }
        var options = new LocalResponseNormOptions { Size = attribute.Int(0), Alpha = 1e-4f, Beta = 0.75f, K = 1f };
        foreach (var named in attribute.Named)
        {
            options = named.Key switch
            {
                "Alpha" => options with { Alpha = LayerAttribute.Float(named.Value) },
                "Beta" => options with { Beta = LayerAttribute.Float(named.Value) },
                "K" => options with { K = LayerAttribute.Float(named.Value) },
                _ => options,
            };
        }
        return options;
    }

    public override bool CanBeOutput(LayerOptions options) => false;

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var input = inputs[0];
        if (input.OutputShape.Count is not (2 or 3))
        {
            context.Report(DiagnosticDescriptors.LocalNormalizationNeedsMaps, layer.Location, layer.Name, layer.Options.Kind, input.Name, ShapeContext.Shape(input.OutputShape));
            return null;
        }
        bool ok = true;
        void Bad(string setting, string value, string why)
        {
            context.Report(DiagnosticDescriptors.InvalidLocalNormalizationSetting, layer.Location, layer.Name, setting, value, why);
            ok = false;
        }
        static bool Finite(float v) => !float.IsNaN(v) && !float.IsInfinity(v);
        switch (layer.Options)
        {
            case LocalResponseNormOptions lrn:
                if (lrn.Size < 1) Bad("size", lrn.Size.ToString(System.Globalization.CultureInfo.InvariantCulture), "the window holds one channel or more");
                if (!Finite(lrn.Alpha) || lrn.Alpha < 0f) Bad("Alpha", ShapeContext.Format(lrn.Alpha), "α must be finite and 0 or more");
                if (!Finite(lrn.Beta) || lrn.Beta < 0f) Bad("Beta", ShapeContext.Format(lrn.Beta), "β must be finite and 0 or more");
                if (!Finite(lrn.K) || !(lrn.K > 0f)) Bad("K", ShapeContext.Format(lrn.K), "k must be positive and finite (the base of the power stays above 0)");
                break;
            case LocalContrastNormOptions lcn:
                if (lcn.Size < 1 || lcn.Size % 2 == 0)
                    Bad("size", lcn.Size.ToString(System.Globalization.CultureInfo.InvariantCulture), "the window's side is odd (1, 3, 5, …) so that it centres on each position");
                if (!Finite(lcn.Epsilon) || !(lcn.Epsilon > 0f)) Bad("Epsilon", ShapeContext.Format(lcn.Epsilon), "ε must be positive and finite");
                break;
        }
        if (!ok) return null;
        var shaped = context.Create(layer, inputs, input.OutputShape, layer.Options, ActivationPlan.Linear, deltaAtPreActivation: false);
        return shaped;
    }

    /// <summary>Height (0) or width (1) of [C, H, W]; [C, L] is one row of L.</summary>
    private static int Extent(EquatableArray<int> shape, int axis) =>
        shape.Count == 3 ? shape[1 + axis] : axis == 0 ? 1 : shape[1];

    public override long Flops(ShapedLayer layer) => layer.Options switch
    {
        // n squares and adds, the scale, the power and the product per value.
        LocalResponseNormOptions lrn => (2L * lrn.Size + 4) * layer.OutputSize,
        // Two window sums over every channel (mean, variance), the centring, square and division per value.
        LocalContrastNormOptions lcn => (4L * lcn.Size * (layer.OutputShape.Count == 3 ? lcn.Size : 1) + 4) * layer.OutputSize,
        _ => 0,
    };

    public override void AllocateBuffers(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        if (layer.Options is LocalResponseNormOptions)
        {
            context.AllocateNamed(index, "scale", layer.OutputSize);
            return;
        }
        int plane = layer.OutputSize / layer.OutputShape[0];
        context.AllocateNamed(index, "centred", layer.OutputSize);
        context.AllocateNamed(index, "sigma", plane);
        context.AllocateNamed(index, "work", plane);
    }

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var (c, h, w) = (layer.OutputShape[0], Extent(layer.OutputShape, 0), Extent(layer.OutputShape, 1));
        if (layer.Options is LocalResponseNormOptions lrn)
            context.Forward(new LocalResponseNormForwardOp(layer.Name, context.InputOf(index), context.Buffer(index), context.Named(index, "scale"),
                c, h * w, lrn.Size, lrn.Alpha, lrn.Beta, lrn.K));
        else
        {
            var lcn = (LocalContrastNormOptions)layer.Options;
            context.Forward(new LocalContrastNormForwardOp(layer.Name, context.InputOf(index), context.Buffer(index), context.Named(index, "centred"),
                context.Named(index, "sigma"), context.Named(index, "work"), c, h, w, layer.OutputShape.Count == 3 ? lcn.Size : 1, lcn.Size, lcn.Epsilon));
        }
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var (target, derivative) = context.GradientInto(layer.Inputs[0]);
        if (target is null) return;  // no parameters: nothing to do unless the gradient goes on
        var (c, h, w) = (layer.OutputShape[0], Extent(layer.OutputShape, 0), Extent(layer.OutputShape, 1));
        if (layer.Options is LocalResponseNormOptions lrn)
            context.Backward(new LocalResponseNormBackwardOp(layer.Name, context.InputOf(index), context.Buffer(index), context.Named(index, "scale"),
                c, h * w, lrn.Size, lrn.Alpha, lrn.Beta, derivative, target));
        else
        {
            var lcn = (LocalContrastNormOptions)layer.Options;
            context.Backward(new LocalContrastNormBackwardOp(layer.Name, context.InputOf(index), context.Buffer(index), context.Named(index, "centred"),
                context.Named(index, "sigma"), context.Named(index, "work"), c, h, w, layer.OutputShape.Count == 3 ? lcn.Size : 1, lcn.Size, lcn.Epsilon, derivative, target));
        }
    }

    public override string Describe(LayerPlan layer) => layer.Options switch
    {
        LocalResponseNormOptions lrn => $"local response normalisation across {lrn.Size} channels, α {CSharpCode.Number(lrn.Alpha)}, β {CSharpCode.Number(lrn.Beta)}, k {CSharpCode.Number(lrn.K)}",
        LocalContrastNormOptions lcn => $"local contrast normalisation over {(layer.OutputShape.Count == 3 ? $"{lcn.Size}×{lcn.Size}" : $"{lcn.Size}")} windows of every channel, ε {CSharpCode.Number(lcn.Epsilon)}",
        _ => "local normalisation",
    };
}
