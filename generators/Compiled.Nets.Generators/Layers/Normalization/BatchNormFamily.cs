using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators.Layers.Normalization;

/// <summary>[BatchNorm(activation)] with PyTorch's momentum and epsilon.</summary>
internal sealed record BatchNormOptions : LayerOptions
{
    public override LayerFamily Family => BatchNormFamily.Instance;
    public override string Kind => "BatchNorm";
    public required ActivationKind Activation { get; init; }
    public required float Momentum { get; init; }
    public required float Epsilon { get; init; }
    /// <summary>The leaky ReLU's negative slope α; NaN: the default.</summary>
    public required float Slope { get; init; }
}

/// <summary>
/// Batch normalisation (Ioffe and Szegedy 2015) per feature after a Dense layer, per channel over feature maps
/// (BatchNorm1d/2d): γ and β trained, running mean and variance saved in the state arena, 1/σ kept in scratch.
/// </summary>
internal sealed partial class BatchNormFamily : LayerFamily
{
    public static readonly BatchNormFamily Instance = new();

    public override string Name => "Normalization";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "BatchNormAttribute" };

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        var options = new BatchNormOptions
        {
            Activation = attribute.Has(0) ? (ActivationKind)attribute.Int(0) : ActivationKind.Linear, Momentum = 0.1f, Epsilon = 1e-5f, Slope = float.NaN,
        };
        foreach (var named in attribute.Named)
        {
            options = named.Key switch
            {
                "Momentum" => options with { Momentum = LayerAttribute.Float(named.Value) },
                "Epsilon" => options with { Epsilon = LayerAttribute.Float(named.Value) },
                "Slope" => options with { Slope = LayerAttribute.Float(named.Value) },
                _ => options,
            };
        }
        return options;
    }

    public override bool CanBeOutput(LayerOptions options) => false;

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var options = (BatchNormOptions)layer.Options;
        if (!SettingRules.Activation(context, layer, options.Activation)) return null;
        ActivationRules.Check(context, layer, options.Activation, SoftmaxRule.CheckedByFamily);
        if (!(options.Momentum > 0f && options.Momentum <= 1f))
            context.Report(DiagnosticDescriptors.InvalidNormalizationSetting, layer.Location, layer.Name, "Momentum",
                ShapeContext.Format(options.Momentum), "the running-average momentum must be in (0, 1]");
        if (!(options.Epsilon > 0f) || float.IsInfinity(options.Epsilon))
            context.Report(DiagnosticDescriptors.InvalidNormalizationSetting, layer.Location, layer.Name, "Epsilon",
                ShapeContext.Format(options.Epsilon), "epsilon must be positive and finite");
        if (options.Activation is ActivationKind.Softmax or ActivationKind.Logistic)
            context.Report(DiagnosticDescriptors.UnsupportedActivation, layer.Location, layer.Name, "activation",
                options.Activation.Describe(), "BatchNorm takes linear, tanh, ReLU, leaky ReLU or softplus; put other activations on a Dense layer");
        // DCGAN's discriminator normalises then applies leaky ReLU 0.2; the kernels take the slope like every activation's.
        float slope = ActivationRules.ResolveSlope(context, layer, options.Activation, options.Slope);
        var (l1, l2) = context.Penalties(layer, float.NaN, float.NaN);
        var shaped = context.Create(layer, inputs, inputs[0].OutputShape, options, new ActivationPlan(options.Activation, slope), deltaAtPreActivation: false);
        int channels = shaped.OutputShape[0];
        return shaped with { WeightCount = channels, BiasCount = channels, StateCount = 2 * channels, ScratchCount = channels, L1 = l1, L2 = l2 };
    }

    private static int Channels(LayerPlan layer) => layer.OutputShape[0];

    public override long Flops(ShapedLayer layer) => 2L * layer.OutputSize;

    public override IEnumerable<TensorPlan> Tensors(LayerPlan layer)
    {
        var shape = new[] { Channels(layer) }.ToEquatableArray();
        yield return new TensorPlan(layer.Name + ".weight", shape, false, layer.WeightOffset);
        yield return new TensorPlan(layer.Name + ".bias", shape, false, layer.BiasOffset);
        yield return new TensorPlan(layer.Name + ".running_mean", shape, true, layer.StateOffset);
        yield return new TensorPlan(layer.Name + ".running_var", shape, true, layer.StateOffset + Channels(layer));
    }

    public override void AllocateBuffers(LoweringContext context, int index) =>
        context.AllocateNamed(index, "normalized", context.Layers[index].OutputSize);

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var options = (BatchNormOptions)layer.Options;
        context.Forward(new BatchNormForwardOp(layer.Name, context.InputOf(index), context.Buffer(index), context.Named(index, "normalized"),
            layer.WeightOffset, layer.BiasOffset, layer.StateOffset, layer.ScratchOffset, options.Momentum, options.Epsilon, layer.Activation, Channels(layer)));
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var input = context.InputOf(index);
        var (target, derivative) = context.GradientInto(layer.Inputs[0]);
        context.Backward(new BatchNormBackwardOp(layer.Name, input, context.Buffer(index), context.Named(index, "normalized"), layer.WeightOffset,
            layer.BiasOffset, layer.ScratchOffset, layer.Activation, target is not null, derivative, Channels(layer), target ?? input));
    }

    public override void WriteInitialization(SourceWriter w, LayerPlan layer)
    {
        w.Line($"// {layer.Name}: γ = 1, β = 0, running mean 0, running variance 1 (PyTorch's start).");
        w.Line($"new {CSharpCode.Span}(_parameters, {layer.WeightOffset}, {layer.WeightCount}).Fill(1f);");
        w.Line($"new {CSharpCode.Span}(_state, {layer.StateOffset}, {Channels(layer)}).Clear();");
        w.Line($"new {CSharpCode.Span}(_state, {layer.StateOffset + Channels(layer)}, {Channels(layer)}).Fill(1f);");
    }

    public override string Describe(LayerPlan layer) =>
        $"batch normalisation of {Channels(layer)} {(layer.OutputShape.Count > 1 ? "channels" : "features")}, {CSharpCode.Describe(layer.Activation)}";

    public override bool ShowsActivation(LayerPlan layer) => true;
}
