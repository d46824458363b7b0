using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Compiled.Nets.Generators.Layers;
using Compiled.Nets.Generators.Layers.Graph;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators;

/// <summary>
/// NetworkSpec → ShapedNetwork: checks the declaration as a whole (one input, references, order, loss and training
/// rule) and asks each layer's family for its shape and resolved options. Errors give no network (nothing is
/// emitted); warnings keep it.
/// </summary>
internal static class ShapeInference
{
    public static StageResult<ShapedNetwork> Infer(StageResult<NetworkSpec> parsed, System.Threading.CancellationToken _)
    {
        if (parsed.Value is null) return new StageResult<ShapedNetwork>(null, parsed.Diagnostics);
        var spec = parsed.Value;
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        diagnostics.AddRange(parsed.Diagnostics);
        var network = Infer(spec, diagnostics);
        bool failed = diagnostics.Any(d => d.IsError);
        return new StageResult<ShapedNetwork>(failed ? null : network, diagnostics.ToEquatableArray());
    }

    private static ShapedNetwork? Infer(NetworkSpec spec, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        string name = spec.Type.Name;
        bool gradientDescent = spec.Training == TrainingRuleKind.GradientDescent;

        if (!(spec.LearningRate > 0f) || float.IsInfinity(spec.LearningRate))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNetworkSetting, spec.Location, name, "LearningRate",
                ShapeContext.Format(spec.LearningRate), "the learning rate must be positive and finite"));
        if (spec.UnrollLimit < 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNetworkSetting, spec.Location, name, "UnrollLimit",
                spec.UnrollLimit, "the unroll limit is a number of multiply-adds and cannot be negative (0 unrolls nothing)"));

        if (spec.Layers.Count == 0 || !spec.Layers[0].Family.IsInput)
        {
            var firstInput = spec.Layers.FirstOrDefault(l => l.Family.IsInput);
            if (firstInput is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoInputLayer, spec.Location, name));
                return null;
            }
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MisplacedInput, firstInput.Location, firstInput.Name,
                $"comes after layer '{spec.Layers[0].Name}'"));
            return null;
        }
        foreach (var extra in spec.Layers.Skip(1).Where(l => l.Family.IsInput))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MisplacedInput, extra.Location, extra.Name,
                $"the network already has the input '{spec.Layers[0].Name}'"));
        }
        if (spec.Layers.Count == 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, spec.Location, name));
            return null;
        }

        var layers = new List<ShapedLayer>();
        var position = Enumerable.Repeat(-1, spec.Layers.Count).ToArray(); // declared index → index in layers
        int PositionOf(string layerName)
        {
            int declared = IndexOf(spec, layerName);
            return declared < 0 ? -1 : position[declared];
        }
        float networkL1 = CheckNetworkPenalty(spec.L1, "L1", spec, diagnostics);
        float networkL2 = CheckNetworkPenalty(spec.L2, "L2", spec, diagnostics);
        var context = new ShapeContext(spec, diagnostics, layers, PositionOf, networkL1, networkL2);

        var input = spec.Layers[0];
        // Errors in the network's settings do not hide the layers' own: only an input without a shape stops here.
        var shapedInput = input.Family.Infer(context, input, layers);
        if (shapedInput is null) return null;
        layers.Add(shapedInput);
        position[0] = 0;

        var order = OrderLayers(spec, diagnostics);
        if (order is null) return null;

        foreach (int declared in order.Skip(1))
        {
            var layer = spec.Layers[declared];
            bool isOutput = declared == spec.Layers.Count - 1;
            if (isOutput && !layer.Family.CanBeOutput(layer.Options))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OutputNotDense, layer.Location, layer.Name, layer.Options.Kind));

            var inputs = InputsOf(spec, declared).Select(d => position[d]).ToList();
            var tokens = inputs.Select(i => layers[i]).FirstOrDefault(l => l.IsTokens);
            if (tokens is not null && !layer.Family.ReadsTokens)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TokensNeedEmbedding, layer.Location, layer.Name, layer.Options.Kind, tokens.Name));
                return null;
            }
            var sequence = inputs.Select(i => layers[i]).FirstOrDefault(l => l.IsSequence);
            if (sequence is not null && !layer.Family.ReadsSequences(layer.Options))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SequenceNotSupported, layer.Location, layer.Name, layer.Options.Kind,
                    sequence.Name, ShapeContext.Shape(sequence.OutputShape)));
                return null;
            }
            // A Dense or Maxout layer after feature maps flattens them first: an implicit Flatten, shown in the Summary (a sequence
            // is not flattened: Dense applies to each step).
            if (layer.Family.NeedsFlatInput(layer.Options) && layers[inputs[0]].OutputShape.Count > 1 && !layers[inputs[0]].IsSequence)
            {
                layers.Add(GraphFamily.ImplicitFlatten(layer.Name, inputs[0], layers[inputs[0]]));
                inputs[0] = layers.Count - 1;
            }
            context.IsOutput = isOutput;
            context.Inputs = inputs.ToEquatableArray();
            var shaped = layer.Family.Infer(context, layer, inputs.Select(i => layers[i]).ToList());
            // A layer whose shape is unknown stops the network: the layers after it would report consequences, not causes.
            if (shaped is null || context.TooLarge) return null;
            if (layer.ActivityL1 != 0f) shaped = shaped with { ActivityL1 = CheckActivityPenalty(context, layer, shaped) };
            if (!layer.Trainable) shaped = shaped with { Trainable = false };
            if (layer.SparsityWeight != 0f) shaped = CheckSparsity(context, layer, shaped);
            layers.Add(shaped);
            position[declared] = layers.Count - 1;
        }

        var output = layers[layers.Count - 1];
        var declaredOutput = spec.Layers[spec.Layers.Count - 1];
        if (spec.Training == TrainingRuleKind.Perceptron)
        {
            string? problem = spec.Layers.Count != 2
                ? $"it has {spec.Layers.Count - 1} layers after the input"
                : output.Activation.Kind is not (ActivationKind.Heaviside or ActivationKind.Sign)
                    ? $"layer '{output.Name}' uses the {output.Activation.Kind.Describe()} activation"
                    : null;
            if (problem is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PerceptronNeedsSingleStepLayer, declaredOutput.Location ?? spec.Location, name, problem));
        }

        var loss = spec.Loss;
        var outputActivation = output.Activation.Kind;
        if (gradientDescent && loss != LossKind.Auto && !IsMatchedPair(outputActivation, loss))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MismatchedOutputAndLoss, declaredOutput.Location, output.Name,
                outputActivation.Describe(), loss.Describe()));
        if (loss == LossKind.Auto)
            loss = outputActivation switch
            {
                ActivationKind.Softmax => LossKind.SoftmaxCrossEntropy,
                ActivationKind.Logistic => LossKind.BinaryCrossEntropy,
                _ => LossKind.MeanSquaredError,
            };

        if (spec.SumPerSample && gradientDescent && loss == LossKind.SoftmaxCrossEntropy)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNetworkSetting, spec.Location, name, "Reduction", "SumPerSample",
                "softmax cross-entropy is already a sum over each sample's classes; SumPerSample applies to mean squared error and binary cross-entropy"));

        return new ShapedNetwork(spec.Type, loss, spec.Training, spec.Seed, spec.LearningRate, spec.UnrollLimit, layers.ToEquatableArray())
        {
            SumPerSample = spec.SumPerSample,
        };
    }

    /// <summary>The KL sparsity penalty: β zero or positive and finite, ρ in (0, 1), on a logistic layer (ρ̂ must lie in (0, 1)).</summary>
    private static ShapedLayer CheckSparsity(ShapeContext context, LayerSpec layer, ShapedLayer shaped)
    {
        float beta = context.CheckPenalty(layer.SparsityWeight, "SparsityWeight", layer.Name, layer.Location, DiagnosticDescriptors.InvalidLayerPenalty);
        bool ok = true;
        if (!(layer.SparsityTarget > 0f && layer.SparsityTarget < 1f))
        {
            context.Report(DiagnosticDescriptors.InvalidLayerPenalty, layer.Location, layer.Name, "SparsityTarget", ShapeContext.Format(layer.SparsityTarget),
                "the target mean activation ρ is in (0, 1)");
            ok = false;
        }
        if (shaped.Activation.Kind != ActivationKind.Logistic || shaped.IsSequence)
        {
            context.Report(DiagnosticDescriptors.InvalidLayerPenalty, layer.Location, layer.Name, "SparsityWeight", ShapeContext.Format(layer.SparsityWeight),
                "the KL sparsity penalty compares mean activations in (0, 1) with ρ: it needs a logistic layer (not a sequence)");
            ok = false;
        }
        return ok && beta > 0f ? shaped with { SparsityTarget = layer.SparsityTarget, SparsityWeight = beta } : shaped;
    }

    /// <summary>ActivityL1 is zero or positive and finite, and not on a softmax (its gradient would skip the softmax's Jacobian).</summary>
    private static float CheckActivityPenalty(ShapeContext context, LayerSpec layer, ShapedLayer shaped)
    {
        float lambda = context.CheckPenalty(layer.ActivityL1, "ActivityL1", layer.Name, layer.Location, DiagnosticDescriptors.InvalidLayerPenalty);
        if (shaped.Activation.Kind == ActivationKind.Softmax)
            context.Report(DiagnosticDescriptors.UnsupportedActivation, layer.Location, layer.Name, "activation", "softmax",
                "an activity penalty (ActivityL1) applies to element-wise activations; penalise the layer before the softmax");
        return lambda;
    }

    private static float CheckNetworkPenalty(float value, string setting, NetworkSpec spec, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        if (value >= 0f && !float.IsInfinity(value)) return value;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNetworkSetting, spec.Location, spec.Type.Name, setting,
            ShapeContext.Format(value), "a penalty weight must be zero or positive and finite"));
        return 0f;
    }

    // ---------------------------------------------------------------- the graph

    /// <summary>The declared indices a layer reads: its named inputs, or the layer declared before it.</summary>
    private static List<int> InputsOf(NetworkSpec spec, int declared)
    {
        var layer = spec.Layers[declared];
        var inputs = layer.InputNames.Count == 0 ? new List<int> { declared - 1 } : layer.InputNames.Select(n => IndexOf(spec, n)).ToList();
        inputs.AddRange(layer.Family.ExtraInputs(layer.Options).Select(n => IndexOf(spec, n)));
        return inputs;
    }

    private static int IndexOf(NetworkSpec spec, string name)
    {
        for (int i = 0; i < spec.Layers.Count; i++)
            if (spec.Layers[i].Name == name) return i;
        return -1;
    }

    /// <summary>
    /// Checks every reference and orders the layers so each comes after the layers it reads (Kahn's algorithm,
    /// taking the earliest-declared ready layer, so a network declared in order keeps its order). Null on an error.
    /// </summary>
    private static List<int>? OrderLayers(NetworkSpec spec, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        int count = spec.Layers.Count, output = count - 1;
        var dependencies = new List<int>[count];
        dependencies[0] = new List<int>();
        bool failed = false;
        for (int i = 1; i < count; i++)
        {
            var layer = spec.Layers[i];
            dependencies[i] = new List<int>();
            if (layer.Family.IsInput) continue;
            int minimum = layer.Family.MinimumNamedInputs(layer.Options);
            if (minimum > 0 && layer.InputNames.Count < minimum)
            {
                string kind = layer.Options.Kind;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooFewJoinedInputs, layer.Location, layer.Name, "inputs",
                    layer.InputNames.Count, $"{kind} joins at least two layers, e.g. [{kind}(nameof(Block), nameof(Shortcut))]"));
                failed = true;
                continue;
            }
            var names = layer.InputNames.Count == 0 ? new[] { spec.Layers[i - 1].Name } : layer.InputNames.ToArray();
            names = names.Concat(layer.Family.ExtraInputs(layer.Options)).Concat(layer.Family.References(layer.Options)).ToArray();
            foreach (string name in names)
            {
                int index = IndexOf(spec, name);
                string? problem = index < 0 ? $"which is not a layer of network '{spec.Type.Name}'"
                    : index == output && i != output ? $"the network's output, which must be the last layer and cannot feed another"
                    : null;
                if (problem is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputReference, layer.Location, layer.Name, name, problem));
                    failed = true;
                    continue;
                }
                dependencies[i].Add(index);
            }
            if (!layer.Family.CheckReferences(spec, layer, diagnostics)) failed = true;
        }
        if (failed) return null;

        var order = new List<int>();
        var done = new bool[count];
        while (order.Count < count)
        {
            int next = -1;
            for (int i = 0; i < count && next < 0; i++)
                if (!done[i] && dependencies[i].All(d => done[d])) next = i;
            if (next < 0) break;
            done[next] = true;
            order.Add(next);
        }
        if (order.Count == count) return order;

        // Walk back through unfinished dependencies until a layer repeats: that is a cycle.
        int at = Enumerable.Range(0, count).First(i => !done[i]);
        var path = new List<int>();
        while (!path.Contains(at))
        {
            path.Add(at);
            at = dependencies[at].First(d => !done[d]);
        }
        // The cycle in reading order (each layer reads the next), from its earliest-declared layer.
        var members = path.Skip(path.IndexOf(at)).ToList();
        int start = members.IndexOf(members.Min());
        var cycle = members.Skip(start).Concat(members.Take(start)).Select(i => spec.Layers[i].Name).ToList();
        cycle.Add(cycle[0]);
        var first = spec.Layers[members.Min()];
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CyclicInputReference, first.Location, spec.Type.Name, string.Join(" → ", cycle)));
        return null;
    }

    /// <summary>Linear–MSE, logistic–BCE, softmax–CE, and linear logits with CE (PyTorch's CrossEntropyLoss) learn without slowdown.</summary>
    private static bool IsMatchedPair(ActivationKind output, LossKind loss) => loss switch
    {
        LossKind.MeanSquaredError => output == ActivationKind.Linear,
        LossKind.BinaryCrossEntropy => output == ActivationKind.Logistic,
        LossKind.SoftmaxCrossEntropy => output is ActivationKind.Softmax or ActivationKind.Linear,
        _ => true,
    };
}
