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

        var layers = ImmutableArray.CreateBuilder<ShapedLayer>();
        var input = spec.Layers[0];
        if (input.Shape.Count == 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, input.Location, input.Name, "no shape", "[]"));
        for (int i = 0; i < input.Shape.Count; i++)
        {
            if (input.Shape[i] <= 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, input.Location, input.Name,
                    input.Shape.Count == 1 ? "size" : $"dimension {i}", input.Shape[i]));
        }
        int inputSize = input.Shape.Aggregate(1, (a, d) => a * d);
        layers.Add(new ShapedLayer(input.Name, LayerKind.Input, input.Shape, 0, inputSize, ActivationKind.Linear, float.NaN,
            InitializationKind.Default, 0f, 0f, 0f, false, 0f, 0f, 0f, input.Modifiers, input.IsPartial));

        float networkL1 = CheckPenalty(spec.L1, "L1", name, spec.Location, diagnostics, DiagnosticDescriptors.InvalidNetworkSetting);
        float networkL2 = CheckPenalty(spec.L2, "L2", name, spec.Location, diagnostics, DiagnosticDescriptors.InvalidNetworkSetting);
        int previousSize = inputSize;
        for (int i = 1; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            if (layer.Kind == LayerKind.Input) continue; // a second input was reported above
            bool isOutput = i == spec.Layers.Count - 1;
            if (isOutput && layer.Kind != LayerKind.Dense)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OutputNotDense, layer.Location, layer.Name, layer.Kind));

            int units = layer.Kind == LayerKind.Dense ? layer.Units : previousSize;
            if (layer.Kind == LayerKind.Dense && layer.Units <= 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Name, "units", layer.Units));
            bool hasActivation = layer.Kind is LayerKind.Dense or LayerKind.BatchNorm;
            if (hasActivation && gradientDescent && layer.Activation is ActivationKind.Heaviside or ActivationKind.Sign)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonDifferentiableActivation, layer.Location, layer.Name, layer.Activation.Describe()));
            if (layer.Kind == LayerKind.Dense && !isOutput && layer.Activation == ActivationKind.Softmax)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HiddenSoftmax, layer.Location, layer.Name));
            CheckLayerSettings(layer, diagnostics);

            float slope = layer.Kind switch
            {
                LayerKind.Dense => ResolveSlope(layer, diagnostics),
                LayerKind.PReLU => layer.Slope,
                _ => float.NaN,
            };
            var initialization = layer.Initialization == InitializationKind.Default ? spec.Initialization : layer.Initialization;
            float l1 = float.IsNaN(layer.L1) ? networkL1 : CheckPenalty(layer.L1, "L1", layer.Name, layer.Location, diagnostics, DiagnosticDescriptors.InvalidLayerSetting);
            float l2 = float.IsNaN(layer.L2) ? networkL2 : CheckPenalty(layer.L2, "L2", layer.Name, layer.Location, diagnostics, DiagnosticDescriptors.InvalidLayerSetting);
            layers.Add(new ShapedLayer(layer.Name, layer.Kind, new[] { units }.ToEquatableArray(), previousSize, units,
                hasActivation ? layer.Activation : ActivationKind.Linear, slope, initialization, layer.BiasInitialValue,
                l1, l2, spec.RegularizeBiases, layer.Rate, layer.Momentum, layer.Epsilon, layer.Modifiers, layer.IsPartial));
            previousSize = units;
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
