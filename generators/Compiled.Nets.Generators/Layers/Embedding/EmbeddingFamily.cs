using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators.Layers.Embedding;

/// <summary>[Embedding(vocabulary, dimensions)].</summary>
internal sealed record EmbeddingOptions : LayerOptions
{
    public override LayerFamily Family => EmbeddingFamily.Instance;
    public override string Kind => "Embedding";
    public required int Vocabulary { get; init; }
    public required int Dimensions { get; init; }
}

/// <summary>
/// nn.Embedding over a [TokenInput(length)]: each id picks its row of weight [vocabulary, dimensions]; the output is the
/// sequence [length, dimensions]. The calls check the ids (Guard.Tokens) before anything runs.
/// </summary>
internal sealed partial class EmbeddingFamily : LayerFamily
{
    public static readonly EmbeddingFamily Instance = new();

    public override string Name => "Embedding";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "EmbeddingAttribute" };
    public override bool ReadsTokens => true;
    public override bool ReadsSequences(LayerOptions options) => true;
    public override bool CanBeOutput(LayerOptions options) => false;

    public override LayerOptions? Parse(LayerAttribute attribute) =>
        attribute.Has(0) && attribute.Has(1) ? new EmbeddingOptions { Vocabulary = attribute.Int(0), Dimensions = attribute.Int(1) } : null;

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var options = (EmbeddingOptions)layer.Options;
        bool ok = true;
        if (options.Vocabulary <= 0) { context.Report(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Name, "vocabulary", options.Vocabulary); ok = false; }
        if (options.Dimensions <= 0) { context.Report(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Name, "dimensions", options.Dimensions); ok = false; }
        var input = inputs[0];
        if (!input.IsTokens)
        {
            context.Report(DiagnosticDescriptors.EmbeddingNeedsTokens, layer.Location, layer.Name, input.Name, ShapeContext.Shape(input.OutputShape));
            ok = false;
        }
        if (!ok) return null;
        var shaped = context.Create(layer, inputs, new[] { input.Steps, options.Dimensions }, options, ActivationPlan.Linear, deltaAtPreActivation: false);
        var (l1, l2) = context.Penalties(layer, float.NaN, float.NaN);
        return shaped with
        {
            Steps = input.Steps,
            WeightCount = context.Size(layer, "the table of {layer}", options.Vocabulary, options.Dimensions),
            L1 = l1,
            L2 = l2,
        };
    }

    public override IEnumerable<TensorPlan> Tensors(LayerPlan layer)
    {
        var options = (EmbeddingOptions)layer.Options;
        yield return new TensorPlan(layer.Name + ".weight", new[] { options.Vocabulary, options.Dimensions }.ToEquatableArray(), false, layer.WeightOffset);
    }

    public override bool PenalizesWeights(LayerPlan layer) => true;

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var options = (EmbeddingOptions)layer.Options;
        context.RequireTokens(options.Vocabulary);
        context.Forward(new EmbeddingForwardOp(layer.Name, context.InputOf(index), context.Buffer(index), layer.WeightOffset, options.Vocabulary, options.Dimensions, layer.Steps));
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var options = (EmbeddingOptions)layer.Options;
        // Token ids have no gradient: only the table's rows that were read get one.
        context.Backward(new EmbeddingBackwardOp(layer.Name, context.InputOf(index), context.Buffer(index), layer.WeightOffset, options.Vocabulary, options.Dimensions, layer.Steps));
    }

    public override void WriteInitialization(SourceWriter w, LayerPlan layer)
    {
        var options = (EmbeddingOptions)layer.Options;
        w.Line($"// {layer.Name}: the table N(0, 1), as PyTorch initialises nn.Embedding.");
        w.Line($"global::Compiled.Nets.CompilerServices.Initializers.FillNormal(new {CSharpCode.Span}(_parameters, {layer.WeightOffset}, {options.Vocabulary * options.Dimensions}), 1f, random);");
    }

    public override string Describe(LayerPlan layer)
    {
        var options = (EmbeddingOptions)layer.Options;
        return $"embedding of {options.Vocabulary} tokens in {options.Dimensions} dimensions, on each of {layer.Steps} steps";
    }

    public override string ShortDescription(LayerPlan layer) => $"Embedding({((EmbeddingOptions)layer.Options).Vocabulary}, {((EmbeddingOptions)layer.Options).Dimensions})";
}
