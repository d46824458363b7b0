using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators.Layers.Dense;

/// <summary>[Dense(units, activation)]: slope, initialisation, bias start and penalties NaN/Default when not set.</summary>
internal sealed record DenseOptions : LayerOptions
{
    public override LayerFamily Family => DenseFamily.Instance;
    public override string Kind => "Dense";
    public required int Units { get; init; }
    public required ActivationKind Activation { get; init; }
    public required float Slope { get; init; }
    public required InitializationKind Initialization { get; init; }
    public required float BiasInitialValue { get; init; }
    public required float L1 { get; init; }
    public required float L2 { get; init; }
    /// <summary>The Dense layer whose weight this one uses transposed (<c>TiedTo = nameof(…)</c>); empty when untied.</summary>
    public required string TiedTo { get; init; }

    public bool IsTied => TiedTo.Length > 0;
}

/// <summary>A tied layer's partner: the index (in execution order) of the layer whose weight it uses transposed.</summary>
internal sealed record TiedDetail(int Partner) : LayerDetail;

/// <summary>
/// Fully connected layers, y = f(W x + b) with W [out, in] as nn.Linear stores it. Small layers are unrolled into
/// straight-line code, larger ones call the SIMD kernels; a softmax output gets its own op after the product.
/// </summary>
internal sealed partial class DenseFamily : LayerFamily
{
    public static readonly DenseFamily Instance = new();

    public override string Name => "Dense";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "DenseAttribute" };

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        if (!attribute.Has(0)) return null;
        var options = new DenseOptions
        {
            Units = attribute.Int(0),
            Activation = attribute.Has(1) ? (ActivationKind)attribute.Int(1) : ActivationKind.Linear,
            Slope = float.NaN,
            Initialization = InitializationKind.Default,
            BiasInitialValue = 0f,
            L1 = float.NaN,
            L2 = float.NaN,
            TiedTo = "",
        };
        foreach (var named in attribute.Named)
        {
            options = named.Key switch
            {
                "Slope" => options with { Slope = LayerAttribute.Float(named.Value) },
                "Initialization" => options with { Initialization = (InitializationKind)LayerAttribute.Int(named.Value) },
                "BiasInitialValue" => options with { BiasInitialValue = LayerAttribute.Float(named.Value) },
                "L1" => options with { L1 = LayerAttribute.Float(named.Value) },
                "L2" => options with { L2 = LayerAttribute.Float(named.Value) },
                "TiedTo" => options with { TiedTo = (string)named.Value },
                _ => options,
            };
        }
        return options;
    }

    public override bool NeedsFlatInput(LayerOptions options) => true;

    /// <summary>On a sequence a (untied) Dense layer applies to every step, as nn.Linear on the last dimension.</summary>
    public override bool ReadsSequences(LayerOptions options) => !((DenseOptions)options).IsTied;

    /// <summary>Inputs and units per step (per sample when the layer is not on a sequence).</summary>
    private static int InputFeatures(LayerPlan layer) => layer.Steps > 0 ? layer.InputSize / layer.Steps : layer.InputSize;
    private static int Units(LayerPlan layer) => layer.Steps > 0 ? layer.OutputSize / layer.Steps : layer.OutputSize;
    private static int StepsOf(LayerPlan layer) => Math.Max(layer.Steps, 1);

    public override IEnumerable<string> References(LayerOptions options) =>
        ((DenseOptions)options).IsTied ? new[] { ((DenseOptions)options).TiedTo } : System.Linq.Enumerable.Empty<string>();

    /// <summary>A tie shares a weight, not activations: the layers after a split may use an earlier layer's weight.</summary>
    public override bool ReferencesActivations => false;

    public override bool CheckReferences(NetworkSpec network, LayerSpec layer, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        var options = (DenseOptions)layer.Options;
        if (!options.IsTied) return true;
        var partner = System.Linq.Enumerable.FirstOrDefault(network.Layers, l => l.Name == options.TiedTo);
        string? problem = partner is null ? null
            : partner.Name == layer.Name ? "itself; a layer shares the weight of another Dense layer"
            : partner.Options is not DenseOptions partnerOptions ? $"a {partner.Options.Kind} layer, but TiedTo shares the weight of a Dense layer"
            : partnerOptions.IsTied ? $"a layer that is itself tied to '{partnerOptions.TiedTo}'; tie both to the layer that owns the weight"
            : null;
        if (problem is null) return true;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputReference, layer.Location, layer.Name, options.TiedTo, problem));
        return false;
    }

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var options = (DenseOptions)layer.Options;
        if (!SettingRules.Activation(context, layer, options.Activation) | !SettingRules.Initialization(context, layer, options.Initialization)
            | !SettingRules.BiasInitialValue(context, layer, options.BiasInitialValue))
            return null;
        if (options.Units <= 0)
        {
            context.Report(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Name, "units", options.Units);
            return null;
        }
        ActivationRules.Check(context, layer, options.Activation, SoftmaxRule.OverUnits);
        float slope = ActivationRules.ResolveSlope(context, layer, options.Activation, options.Slope);
        var (l1, l2) = context.Penalties(layer, options.L1, options.L2);
        var resolved = options with { Slope = slope, Initialization = context.Initialization(options.Initialization) };
        if (inputs[0].IsSequence)
        {
            // Per step: [steps, features] → [steps, units], one weight for every step.
            int steps = inputs[0].Steps, features = inputs[0].OutputSize / steps;
            var perStep = context.Create(layer, inputs, new[] { steps, options.Units }, resolved, new ActivationPlan(options.Activation, slope), deltaAtPreActivation: true);
            return perStep with
            {
                Steps = steps, WeightCount = context.Size(layer, "the weights of {layer}", features, options.Units), BiasCount = options.Units, L1 = l1, L2 = l2,
            };
        }
        var shaped = context.Create(layer, inputs, new[] { options.Units }, resolved, new ActivationPlan(options.Activation, slope), deltaAtPreActivation: true);
        if (options.IsTied)
        {
            // The partner's weight W [out, in] read as Wᵀ: this layer maps out → in and owns only its bias.
            var partner = context.LayerNamed(options.TiedTo)!;
            if (shaped.InputSize != partner.OutputSize || shaped.OutputSize != partner.InputSize)
            {
                context.Report(DiagnosticDescriptors.TiedShapeMismatch, layer.Location, layer.Name, partner.Name, partner.InputSize, partner.OutputSize,
                    shaped.InputSize, shaped.OutputSize);
                return null;
            }
            return shaped with { BiasCount = shaped.OutputSize, L1 = l1, L2 = l2, Detail = new TiedDetail(context.PositionOf(options.TiedTo)) };
        }
        return shaped with { WeightCount = context.Size(layer, "the weights of {layer}", shaped.InputSize, shaped.OutputSize), BiasCount = shaped.OutputSize, L1 = l1, L2 = l2 };
    }

    public override long Flops(ShapedLayer layer) => 2L * layer.InputSize * layer.OutputSize / Math.Max(layer.Steps, 1);

    public override IEnumerable<TensorPlan> Tensors(LayerPlan layer)
    {
        if (layer.Detail is not TiedDetail)
            yield return new TensorPlan(layer.Name + ".weight", new[] { Units(layer), InputFeatures(layer) }.ToEquatableArray(), false, layer.WeightOffset);
        yield return new TensorPlan(layer.Name + ".bias", new[] { Units(layer) }.ToEquatableArray(), false, layer.BiasOffset);
    }

    public override bool PenalizesWeights(LayerPlan layer) => layer.Detail is not TiedDetail;

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var output = context.Buffer(index);
        bool softmax = layer.Activation.Kind == ActivationKind.Softmax;
        var epilogue = softmax ? ActivationPlan.Linear : layer.Activation;
        if (layer.Detail is TiedDetail tied)
        {
            context.Forward(new TiedDenseForwardOp(layer.Name, context.InputOf(index), output, context.Layers[tied.Partner].WeightOffset, layer.BiasOffset,
                epilogue, context.Layers[tied.Partner].Name));
            if (softmax) context.Forward(new SoftmaxForwardOp(layer.Name, output));
            return;
        }
        context.Forward(new DenseForwardOp(layer.Name, context.InputOf(index), output, layer.WeightOffset, layer.BiasOffset,
            softmax ? ActivationPlan.Linear : layer.Activation, IsUnrolled(InputFeatures(layer), Units(layer), context.UnrollLimit), StepsOf(layer)));
        if (softmax) context.Forward(new SoftmaxForwardOp(layer.Name, output, StepsOf(layer)));
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var output = context.Buffer(index);
        bool softmaxFused = index == context.Layers.Count - 1 && context.Loss!.Fusion is LossFusion.SoftmaxCrossEntropyOnProbabilities;
        if (layer.Activation.Kind == ActivationKind.Softmax && !softmaxFused) context.Backward(new SoftmaxBackwardOp(layer.Name, output, StepsOf(layer)));
        var input = context.InputOf(index);
        var (target, derivative) = context.GradientInto(layer.Inputs[0]);
        if (layer.Detail is TiedDetail tied)
        {
            context.Backward(new TiedDenseBackwardOp(layer.Name, input, output, context.Layers[tied.Partner].WeightOffset, layer.BiasOffset,
                target, derivative, context.Layers[tied.Partner].Name));
            return;
        }
        context.Backward(new DenseBackwardOp(layer.Name, input, output, layer.WeightOffset, layer.BiasOffset, target is not null, derivative,
            IsUnrolled(InputFeatures(layer), Units(layer), context.UnrollLimit), target ?? input, StepsOf(layer)));
    }

    /// <summary>Layers of at most UnrollLimit multiply-adds are written out as straight-line code.</summary>
    public static bool IsUnrolled(int inputSize, int outputSize, int unrollLimit) => (long)inputSize * outputSize <= unrollLimit;

    public override void WriteInitialization(SourceWriter w, LayerPlan layer)
    {
        var options = (DenseOptions)layer.Options;
        if (options.IsTied)
        {
            w.Line($"// {layer.Name}: uses {options.TiedTo}'s weight transposed; biases {CSharpCode.Number(options.BiasInitialValue)}.");
            if (options.BiasInitialValue != 0f)
                w.Line($"new {CSharpCode.Span}(_parameters, {layer.BiasOffset}, {layer.BiasCount}).Fill({CSharpCode.Float(options.BiasInitialValue)});");
            return;
        }
        InitializationCode.WriteFill(w, layer.Name, options.Initialization, options.BiasInitialValue, layer.WeightOffset, layer.WeightCount,
            InputFeatures(layer), Units(layer), layer.BiasOffset, layer.BiasCount);
    }

    public override string Describe(LayerPlan layer) => layer.Options is DenseOptions { IsTied: true } tied
        ? $"dense {layer.InputSize} → {layer.OutputSize} with {tied.TiedTo}'s weight transposed, {CSharpCode.Describe(layer.Activation)}"
        : layer.Steps > 0 ? $"dense {InputFeatures(layer)} → {Units(layer)} on each of {layer.Steps} steps, {CSharpCode.Describe(layer.Activation)}"
        : $"dense {layer.InputSize} → {layer.OutputSize}, {CSharpCode.Describe(layer.Activation)}";

    public override string ShortDescription(LayerPlan layer) => layer.Steps > 0
        ? $"{layer.Steps}×{Units(layer)} ({CSharpCode.Describe(layer.Activation)})"
        : $"{layer.OutputSize} ({CSharpCode.Describe(layer.Activation)})";

    public override bool ShowsActivation(LayerPlan layer) => true;
}
