using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators;

/// <summary>
/// NetworkSpec → ShapedNetwork: checks the declaration, infers each layer's shape and resolves defaults.
/// Errors give no network (nothing is emitted); warnings keep it.
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
                Format(spec.LearningRate), "the learning rate must be positive and finite"));
        if (spec.UnrollLimit < 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNetworkSetting, spec.Location, name, "UnrollLimit",
                spec.UnrollLimit, "the unroll limit is a number of multiply-adds and cannot be negative (0 unrolls nothing)"));

        if (spec.Layers.Count == 0 || spec.Layers[0].Kind != LayerKind.Input)
        {
            var firstInput = spec.Layers.FirstOrDefault(l => l.Kind == LayerKind.Input);
            if (firstInput is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoInputLayer, spec.Location, name));
                return null;
            }
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MisplacedInput, firstInput.Location, firstInput.Name,
                $"comes after layer '{spec.Layers[0].Name}'"));
            return null;
        }
        foreach (var extra in spec.Layers.Skip(1).Where(l => l.Kind == LayerKind.Input))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MisplacedInput, extra.Location, extra.Name,
                $"the network already has the input '{spec.Layers[0].Name}'"));
        }
        if (spec.Layers.Count == 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, spec.Location, name));
            return null;
        }

        var input = spec.Layers[0];
        if (input.Shape.Count == 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, input.Location, input.Name, "no shape", "[]"));
        for (int i = 0; i < input.Shape.Count; i++)
        {
            if (input.Shape[i] <= 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, input.Location, input.Name,
                    input.Shape.Count == 1 ? "size" : $"dimension {i}", input.Shape[i]));
        }
        if (input.Shape.Count > 3)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerSetting, input.Location, input.Name, "shape",
                Shape(input.Shape), "an input is [features], [channels, length] or [channels, height, width]"));
        if (diagnostics.Any(d => d.IsError)) return null;

        var order = OrderLayers(spec, diagnostics);
        if (order is null) return null;

        var layers = ImmutableArray.CreateBuilder<ShapedLayer>();
        var position = new int[spec.Layers.Count]; // declared index → index in layers
        int inputSize = input.Shape.Aggregate(1, (a, d) => a * d);
        layers.Add(new ShapedLayer(input.Name, LayerKind.Input, input.Shape, 0, inputSize, ActivationKind.Linear, float.NaN,
            InitializationKind.Default, 0f, 0f, 0f, false, 0f, 0f, 0f, input.Modifiers, input.IsPartial,
            EquatableArray<int>.Empty, null, 0, -1, input.Shape[0]));

        float networkL1 = CheckPenalty(spec.L1, "L1", name, spec.Location, diagnostics, DiagnosticDescriptors.InvalidNetworkSetting);
        float networkL2 = CheckPenalty(spec.L2, "L2", name, spec.Location, diagnostics, DiagnosticDescriptors.InvalidNetworkSetting);
        foreach (int declared in order.Skip(1))
        {
            var layer = spec.Layers[declared];
            bool isOutput = declared == spec.Layers.Count - 1;
            if (isOutput && layer.Kind is LayerKind.Dropout or LayerKind.BatchNorm or LayerKind.PReLU or LayerKind.Flatten)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OutputNotDense, layer.Location, layer.Name, layer.Kind));

            var inputs = InputsOf(spec, declared).Select(d => position[d]).ToList();
            // A Dense or Maxout layer after feature maps flattens them first: an implicit Flatten, shown in the Summary.
            if (layer.Kind is LayerKind.Dense or LayerKind.Maxout && layers[inputs[0]].OutputShape.Count > 1)
            {
                var maps = layers[inputs[0]];
                layers.Add(new ShapedLayer(layer.Name + ".flatten", LayerKind.Flatten, new[] { maps.OutputSize }.ToEquatableArray(),
                    maps.OutputSize, maps.OutputSize, ActivationKind.Linear, float.NaN, InitializationKind.Default, 0f, 0f, 0f, false,
                    0f, 0f, 0f, "", false, new[] { inputs[0] }.ToEquatableArray(), null, 0, -1, maps.OutputSize));
                inputs[0] = layers.Count - 1;
            }
            var first = layers[inputs[0]];
            var shape = InferShape(spec, layer, inputs.Select(i => layers[i]).ToList(), layers, position, diagnostics, out var window, out int switchSource);
            if (shape is null || diagnostics.Any(d => d.IsError)) return null;

            bool hasActivation = layer.Kind.HasFusedActivation() || layer.Kind == LayerKind.BatchNorm;
            if (hasActivation && gradientDescent && layer.Activation is ActivationKind.Heaviside or ActivationKind.Sign)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonDifferentiableActivation, layer.Location, layer.Name, layer.Activation.Describe()));
            if (layer.Kind == LayerKind.Dense && !isOutput && layer.Activation == ActivationKind.Softmax)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HiddenSoftmax, layer.Location, layer.Name));
            if (hasActivation && layer.Kind != LayerKind.Dense && layer.Kind != LayerKind.BatchNorm && layer.Activation == ActivationKind.Softmax)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerSetting, layer.Location, layer.Name, "activation",
                    "softmax", "softmax normalises a Dense layer's units; end the network with [Dense(classes, Activation.Softmax)]"));
            CheckLayerSettings(layer, diagnostics);

            float slope = layer.Kind switch
            {
                LayerKind.PReLU => layer.Slope,
                _ when hasActivation && layer.Kind != LayerKind.BatchNorm => ResolveSlope(layer, diagnostics),
                _ => float.NaN,
            };
            var initialization = layer.Initialization == InitializationKind.Default ? spec.Initialization : layer.Initialization;
            float l1 = float.IsNaN(layer.L1) ? networkL1 : CheckPenalty(layer.L1, "L1", layer.Name, layer.Location, diagnostics, DiagnosticDescriptors.InvalidLayerSetting);
            float l2 = float.IsNaN(layer.L2) ? networkL2 : CheckPenalty(layer.L2, "L2", layer.Name, layer.Location, diagnostics, DiagnosticDescriptors.InvalidLayerSetting);
            int outputSize = shape.Aggregate(1, (a, d) => a * d);
            layers.Add(new ShapedLayer(layer.Name, layer.Kind, shape.ToEquatableArray(), first.OutputSize, outputSize,
                hasActivation ? layer.Activation : ActivationKind.Linear, slope, initialization, layer.BiasInitialValue,
                l1, l2, spec.RegularizeBiases, layer.Rate, layer.Momentum, layer.Epsilon, layer.Modifiers, layer.IsPartial,
                inputs.ToEquatableArray(), window, layer.Pieces, switchSource, shape[0]));
            position[declared] = layers.Count - 1;
        }

        var output = spec.Layers[spec.Layers.Count - 1];
        if (spec.Training == TrainingRuleKind.Perceptron)
        {
            string? problem = spec.Layers.Count != 2
                ? $"it has {spec.Layers.Count - 1} layers after the input"
                : output.Activation is not (ActivationKind.Heaviside or ActivationKind.Sign)
                    ? $"layer '{output.Name}' uses the {output.Activation.Describe()} activation"
                    : null;
            if (problem is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PerceptronNeedsSingleStepLayer, output.Location ?? spec.Location, name, problem));
        }

        var loss = spec.Loss;
        if (gradientDescent && loss != LossKind.Auto && !IsMatchedPair(output.Activation, loss))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MismatchedOutputAndLoss, output.Location, output.Name,
                output.Activation.Describe(), loss.Describe()));
        if (loss == LossKind.Auto)
            loss = output.Activation switch
            {
                ActivationKind.Softmax => LossKind.SoftmaxCrossEntropy,
                ActivationKind.Logistic => LossKind.BinaryCrossEntropy,
                _ => LossKind.MeanSquaredError,
            };

        return new ShapedNetwork(spec.Type, loss, spec.Training, spec.Seed, spec.LearningRate, spec.UnrollLimit, layers.ToEquatableArray());
    }

    // ---------------------------------------------------------------- the graph

    /// <summary>The declared indices a layer reads: its named inputs, or the layer declared before it.</summary>
    private static List<int> InputsOf(NetworkSpec spec, int declared)
    {
        var layer = spec.Layers[declared];
        if (layer.InputNames.Count == 0) return new List<int> { declared - 1 };
        return layer.InputNames.Select(n => IndexOf(spec, n)).ToList();
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
            if (layer.Kind == LayerKind.Input) continue;
            if (layer.Kind is LayerKind.Add or LayerKind.Concat && layer.InputNames.Count < 2)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerSetting, layer.Location, layer.Name, "inputs",
                    layer.InputNames.Count, $"{layer.Kind} joins at least two layers, e.g. [{layer.Kind}(nameof(Block), nameof(Shortcut))]"));
                failed = true;
                continue;
            }
            var names = layer.InputNames.Count == 0 ? new[] { spec.Layers[i - 1].Name } : layer.InputNames.ToArray();
            if (layer.Kind == LayerKind.MaxUnpool) names = names.Concat(new[] { layer.Reference }).ToArray();
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
            if (layer.Kind == LayerKind.MaxUnpool && IndexOf(spec, layer.Reference) is int pool && pool >= 0 && spec.Layers[pool].Kind != LayerKind.MaxPool)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputReference, layer.Location, layer.Name, layer.Reference,
                    $"a {spec.Layers[pool].Kind} layer, but MaxUnpool places values with the switches of a MaxPool layer"));
                failed = true;
            }
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

    // ---------------------------------------------------------------- shapes

    /// <summary>A layer's output shape from its inputs' shapes; null (with a diagnostic) when it cannot be computed.</summary>
    private static List<int>? InferShape(NetworkSpec spec, LayerSpec layer, List<ShapedLayer> inputs, ImmutableArray<ShapedLayer>.Builder layers,
        int[] position, ImmutableArray<DiagnosticInfo>.Builder diagnostics, out Window2D? window, out int switchSource)
    {
        window = null;
        switchSource = -1;
        var first = inputs[0];
        var shape = first.OutputShape.ToList();
        DiagnosticInfo Reject(string reason) =>
            DiagnosticInfo.Create(DiagnosticDescriptors.InputShapeMismatch, layer.Location, layer.Name, first.Name, Shape(first.OutputShape), reason);
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                if (layer.Units <= 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Name, "units", layer.Units));
                    return null;
                }
                return new List<int> { layer.Units };
            case LayerKind.Maxout:
                if (layer.Units <= 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyOutput, layer.Location, layer.Name, $"[{layer.Units}]", "a maxout layer needs at least one unit"));
                    return null;
                }
                if (layer.Pieces < 2)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerSetting, layer.Location, layer.Name, "pieces", layer.Pieces,
                        "maxout takes the maximum of at least 2 affine pieces"));
                    return null;
                }
                return new List<int> { layer.Units };
            case LayerKind.Dropout or LayerKind.PReLU or LayerKind.BatchNorm:
                return shape;
            case LayerKind.Flatten:
                return new List<int> { first.OutputSize };
            case LayerKind.GlobalAveragePool:
                if (shape.Count < 2)
                {
                    diagnostics.Add(Reject("global pooling averages each channel of feature maps [channels, height, width] or [channels, length]"));
                    return null;
                }
                window = new Window2D(shape[0], shape.Count == 3 ? shape[1] : 1, shape[shape.Count - 1], shape[0],
                    shape.Count == 3 ? shape[1] : 1, shape[shape.Count - 1], 1, 1, 0, 0, 1);
                return new List<int> { shape[0] };
            case LayerKind.Add:
                for (int j = 1; j < inputs.Count; j++)
                {
                    if (inputs[j].OutputShape == first.OutputShape) continue;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AddShapeMismatch, layer.Location, layer.Name,
                        first.Name, Shape(first.OutputShape), inputs[j].Name, Shape(inputs[j].OutputShape)));
                    return null;
                }
                return shape;
            case LayerKind.Concat:
            {
                int joined = 0;
                foreach (var other in inputs)
                {
                    if (other.OutputShape.Count != shape.Count || !other.OutputShape.Skip(1).SequenceEqual(shape.Skip(1)))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InputShapeMismatch, layer.Location, layer.Name, other.Name,
                            Shape(other.OutputShape), $"Concat joins along the channels (the first dimension), so the others must match '{first.Name}' {Shape(first.OutputShape)}"));
                        return null;
                    }
                    joined += other.OutputShape[0];
                }
                shape[0] = joined;
                return shape;
            }
            case LayerKind.MaxUnpool:
            {
                var pool = layers[position[IndexOf(spec, layer.Reference)]];
                if (first.OutputShape != pool.OutputShape)
                {
                    diagnostics.Add(Reject($"MaxUnpool places values with the switches of '{pool.Name}', so it needs that layer's output shape {Shape(pool.OutputShape)}"));
                    return null;
                }
                window = pool.Window;
                switchSource = position[IndexOf(spec, layer.Reference)];
                var source = layers[pool.Inputs[0]].OutputShape;
                return source.ToList();
            }
        }

        // Convolutions and pooling: [C, H, W] for the 2-D kinds, [C, L] (height 1) for Conv1D; pooling takes either.
        bool oneD = layer.Kind == LayerKind.Conv1D || layer.Kind is LayerKind.MaxPool or LayerKind.AvgPool && shape.Count == 2;
        int rank = oneD ? 2 : 3;
        if (shape.Count != rank)
        {
            string expected = layer.Kind switch
            {
                LayerKind.Conv1D => "Conv1D reads sequences [channels, length]; declare the input as [Input(channels, length)]",
                LayerKind.MaxPool or LayerKind.AvgPool => "pooling reads feature maps [channels, height, width] or [channels, length]",
                _ => $"{layer.Kind} reads feature maps [channels, height, width]; declare the input as [Input(channels, height, width)]",
            };
            diagnostics.Add(Reject(expected));
            return null;
        }
        int c = shape[0], h = oneD ? 1 : shape[1], w = shape[rank - 1];
        var win = layer.Window;
        bool pooling = layer.Kind is LayerKind.MaxPool or LayerKind.AvgPool;
        int k = win.Kernel;
        int stride = pooling && win.Stride == 0 ? k : win.Stride;
        if (layer.Units <= 0 && !pooling)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyOutput, layer.Location, layer.Name, $"[{layer.Units}, …]", "a convolution needs at least one filter"));
            return null;
        }
        if (k <= 0 || stride <= 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Name, k <= 0 ? (pooling ? "size" : "kernel size") : "Stride", k <= 0 ? k : stride));
            return null;
        }
        int pad = win.PaddingSize >= 0 ? win.PaddingSize : win.Padding switch { PaddingKind.Same => (k - 1) / 2, PaddingKind.Full => k - 1, _ => 0 };
        if (win.PaddingSize < -1 || layer.Kind == LayerKind.ConvTranspose2D && win.PaddingSize < 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerSetting, layer.Location, layer.Name, "PaddingSize", win.PaddingSize, "padding is a number of zeros on each side (0 or more)"));
            return null;
        }
        if (pooling && pad * 2 > k)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerSetting, layer.Location, layer.Name, "PaddingSize", pad,
                $"pooling padding can be at most half the window ({k / 2}), as in PyTorch"));
            return null;
        }
        int kh = oneD ? 1 : k;
        if (layer.Kind == LayerKind.ConvTranspose2D)
        {
            if (win.OutputPadding < 0 || win.OutputPadding >= stride)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerSetting, layer.Location, layer.Name, "OutputPadding", win.OutputPadding,
                    $"the output padding adds rows and columns the stride skipped, so it must be in [0, {stride})"));
                return null;
            }
            int outH = (h - 1) * stride - 2 * pad + k + win.OutputPadding, outW = (w - 1) * stride - 2 * pad + k + win.OutputPadding;
            if (outH <= 0 || outW <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyOutput, layer.Location, layer.Name, Shape(new[] { layer.Units, outH, outW }),
                    $"(N − 1)·S − 2P + F + OutputPadding = ({h} − 1)·{stride} − 2·{pad} + {k} + {win.OutputPadding} = {outH}; use less padding"));
                return null;
            }
            // The convolution this layer transposes: from the output [filters, outH, outW] back to the input [c, h, w].
            window = new Window2D(layer.Units, outH, outW, c, k, k, stride, stride, pad, pad, 1);
            return new List<int> { layer.Units, outH, outW };
        }

        string kernelText = oneD ? $"{k}" : $"{k}×{k}";
        if (k > w + 2 * pad || kh > h + 2 * pad * (oneD ? 0 : 1))
        {
            string padded = oneD ? $"{w + 2 * pad}" : $"{h + 2 * pad}×{w + 2 * pad}";
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.KernelLargerThanInput, layer.Location, layer.Name, kernelText, padded, Shape(shape), pad));
            return null;
        }
        int groups = layer.Kind == LayerKind.SeparableConv2D ? c : pooling ? c : win.Groups;
        int outChannels = pooling || layer.Kind == LayerKind.SeparableConv2D ? c : layer.Units;
        if (!pooling && layer.Kind != LayerKind.SeparableConv2D && (groups <= 0 || c % groups != 0 || outChannels % groups != 0))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerSetting, layer.Location, layer.Name, "Groups", groups,
                $"the groups must divide both the {c} input channels and the {outChannels} filters"));
            return null;
        }
        foreach (int n in oneD ? new[] { w } : h == w ? new[] { h } : new[] { h, w })
        {
            int remainder = (n - k + 2 * pad) % stride;
            if (remainder == 0) continue;
            var fits = new List<string> { $"input {n - remainder} or {n + stride - remainder}" };
            for (int p = 0; p <= k; p++)
                if (p != pad && (n - k + 2 * p) % stride == 0 && (!pooling || 2 * p <= k)) { fits.Add($"padding {p}"); break; }
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StrideDoesNotFit, layer.Location, layer.Name, n, k, pad, stride,
                remainder == 1 ? (oneD ? "value" : "row or column") : $"{remainder} {(oneD ? "values" : "rows or columns")}", string.Join(", or ", fits)));
        }
        window = new Window2D(c, h, w, outChannels, kh, k, oneD ? 1 : stride, stride, oneD ? 0 : pad, pad, groups);
        int channels = layer.Kind == LayerKind.SeparableConv2D ? layer.Units : outChannels;
        return oneD ? new List<int> { channels, window.OutWidth } : new List<int> { channels, window.OutHeight, window.OutWidth };
    }

    private static string Shape(System.Collections.Generic.IEnumerable<int> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>Linear–MSE, logistic–BCE, softmax–CE, and linear logits with CE (PyTorch's CrossEntropyLoss) learn without slowdown.</summary>
    private static bool IsMatchedPair(ActivationKind output, LossKind loss) => loss switch
    {
        LossKind.MeanSquaredError => output == ActivationKind.Linear,
        LossKind.BinaryCrossEntropy => output == ActivationKind.Logistic,
        LossKind.SoftmaxCrossEntropy => output is ActivationKind.Softmax or ActivationKind.Linear,
        _ => true,
    };

    private static float ResolveSlope(LayerSpec layer, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        bool set = !float.IsNaN(layer.Slope);
        switch (layer.Activation)
        {
            case ActivationKind.Logistic:
                if (!set) return 1f;
                if (!(layer.Slope > 0f) || float.IsInfinity(layer.Slope))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSlope, layer.Location, layer.Name, Format(layer.Slope),
                        "the logistic slope k in σ(k z) must be positive and finite"));
                return layer.Slope;
            case ActivationKind.LeakyReLU:
                if (!set) return 0.01f;
                if (!(layer.Slope >= 0f && layer.Slope < 1f))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSlope, layer.Location, layer.Name, Format(layer.Slope),
                        "the leaky ReLU slope α must be in [0, 1)"));
                return layer.Slope;
            default:
                if (set)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnusedSlope, layer.Location, layer.Name, layer.Activation.Describe()));
                return float.NaN;
        }
    }

    private static void CheckLayerSettings(LayerSpec layer, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        switch (layer.Kind)
        {
            case LayerKind.Dropout when !(layer.Rate >= 0f && layer.Rate < 1f):
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerSetting, layer.Location, layer.Name, "rate",
                    Format(layer.Rate), "the dropout rate is a probability in [0, 1)"));
                break;
            case LayerKind.BatchNorm:
                if (!(layer.Momentum > 0f && layer.Momentum <= 1f))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerSetting, layer.Location, layer.Name, "Momentum",
                        Format(layer.Momentum), "the running-average momentum must be in (0, 1]"));
                if (!(layer.Epsilon > 0f) || float.IsInfinity(layer.Epsilon))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerSetting, layer.Location, layer.Name, "Epsilon",
                        Format(layer.Epsilon), "epsilon must be positive and finite"));
                if (layer.Activation is ActivationKind.Softmax or ActivationKind.LeakyReLU or ActivationKind.Logistic)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerSetting, layer.Location, layer.Name, "activation",
                        layer.Activation.Describe(), "BatchNorm takes linear, tanh, ReLU or softplus; put other activations on a Dense layer"));
                break;
            case LayerKind.PReLU when float.IsNaN(layer.Slope) || float.IsInfinity(layer.Slope):
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerSetting, layer.Location, layer.Name, "InitialSlope",
                    Format(layer.Slope), "the initial slope must be a finite number"));
                break;
        }
    }

    private static float CheckPenalty(float value, string setting, string owner, LocationInfo? location,
        ImmutableArray<DiagnosticInfo>.Builder diagnostics, Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor)
    {
        if (value >= 0f && !float.IsInfinity(value)) return value;
        diagnostics.Add(DiagnosticInfo.Create(descriptor, location, owner, setting, Format(value), "a penalty weight must be zero or positive and finite"));
        return 0f;
    }

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
