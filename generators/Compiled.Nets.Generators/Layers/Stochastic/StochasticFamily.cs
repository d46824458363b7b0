using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;
using static Compiled.Nets.Generators.Emit.CSharpCode;
using Cuda = Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.Stochastic;

/// <summary>How a binary unit's gradient is estimated (StochasticEstimator in the runtime).</summary>
internal enum StochasticEstimatorKind { SigmoidStraightThrough = 0, IdentityStraightThrough }

/// <summary>[StochasticNeuron(activation, Estimator = …, Slope = …)].</summary>
internal sealed record StochasticNeuronOptions : LayerOptions
{
    public override LayerFamily Family => StochasticFamily.Instance;
    public override string Kind => "StochasticNeuron";
    public required ActivationKind Activation { get; init; }
    public required StochasticEstimatorKind Estimator { get; init; }
    /// <summary>Whether the declaration names an estimator (a warning for a differentiable activation, which ignores it).</summary>
    public required bool EstimatorSet { get; init; }
    public required float Slope { get; init; }

    public bool Binary => Activation is ActivationKind.Heaviside or ActivationKind.Sign;
}

/// <summary>
/// The course's stochastic neurons: y = f(x + z), z standard logistic from a random stream of the Plan while training,
/// y = f(x) at inference. Binary units (Heaviside, Sign) learn through a straight-through estimator; a differentiable f
/// through f′ at the noisy point, exactly.
/// </summary>
internal sealed partial class StochasticFamily : LayerFamily
{
    public static readonly StochasticFamily Instance = new();

    public override string Name => "Stochastic";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "StochasticNeuronAttribute" };

    /// <summary>Element-wise: on a sequence every step's units are stochastic.</summary>
    public override bool ReadsSequences(LayerOptions options) => true;

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        var options = new StochasticNeuronOptions
        {
            Activation = attribute.Has(0) ? (ActivationKind)attribute.Int(0) : ActivationKind.Heaviside,
            Estimator = StochasticEstimatorKind.SigmoidStraightThrough, EstimatorSet = false, Slope = float.NaN,
        };
        foreach (var named in attribute.Named)
        {
            options = named.Key switch
            {
                "Estimator" => options with { Estimator = (StochasticEstimatorKind)LayerAttribute.Int(named.Value), EstimatorSet = true },
                "Slope" => options with { Slope = LayerAttribute.Float(named.Value) },
                _ => options,
            };
        }
        return options;
    }

    public override bool CanBeOutput(LayerOptions options) => false;

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var options = (StochasticNeuronOptions)layer.Options;
        if (!SettingRules.Activation(context, layer, options.Activation)) return null;
        if (!SettingRules.Defined(context, layer, "Estimator", "StochasticEstimator", options.Estimator)) return null;
        if (options.Activation == ActivationKind.Softmax)
        {
            context.Report(DiagnosticDescriptors.UnsupportedActivation, layer.Location, layer.Name, "activation", "softmax",
                "a stochastic neuron takes Heaviside or Sign (binary units) or an element-wise differentiable activation");
            return null;
        }
        if (options.EstimatorSet && !options.Binary)
            context.Report(DiagnosticDescriptors.UnusedStochasticEstimator, layer.Location, layer.Name, options.Activation.Describe());
        var previous = inputs[0];
        if (previous.Activation.Kind != ActivationKind.Linear)
            context.Report(DiagnosticDescriptors.StochasticNeuronAfterActivation, layer.Location, layer.Name, previous.Name, previous.Activation.Kind.Describe());
        float slope = ActivationRules.ResolveSlope(context, layer, options.Activation, options.Slope);
        return context.Create(layer, inputs, previous.OutputShape, options with { Slope = slope },
            new ActivationPlan(options.Activation, slope), deltaAtPreActivation: false);
    }

    public override long Flops(ShapedLayer layer) => 4L * layer.OutputSize;

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        int stream = context.RandomStream($"{layer.Name}: logistic noise");
        context.Forward(new StochasticForwardOp(layer.Name, context.InputOf(index), context.Buffer(index), layer.Activation, stream));
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var (target, derivative) = context.GradientInto(layer.Inputs[0]);
        if (target is null) return;  // the gradient stops at the network's input
        var options = (StochasticNeuronOptions)layer.Options;
        context.Backward(new StochasticBackwardOp(layer.Name, context.InputOf(index), context.Buffer(index), layer.Activation,
            options.Binary ? options.Estimator : null, derivative, target));
    }

    public override string Describe(LayerPlan layer)
    {
        var options = (StochasticNeuronOptions)layer.Options;
        string unit = options.Binary
            ? $"binary stochastic units ({CSharpCode.Describe(layer.Activation)} of x + logistic noise; {(options.Estimator == StochasticEstimatorKind.IdentityStraightThrough ? "identity" : "sigmoid")} straight-through gradient)"
            : $"stochastic {CSharpCode.Describe(layer.Activation)} units (logistic noise before the activation)";
        return unit + ", noise in training only";
    }

    public override bool ShowsActivation(LayerPlan layer) => true;
}

/// <summary>Training: y = f(x + z), z = CounterRandom.Logistic of value i of random stream <see cref="Stream"/>; inference: y = f(x).</summary>
internal sealed record StochasticForwardOp(string Layer, BufferRef Input, BufferRef Output, ActivationPlan Activation, int Stream) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: {Describe(Activation)} of x plus standard logistic noise from random stream {Stream} (no noise at inference).");
        w.Line($"if (training) {Kernels}StochasticKernels.ForwardTraining({ActivationSource(Input)}, {Activations(Output)}, RandomSeed, RandomStep, {Stream}, {ActivationStruct(Activation)});");
        w.Line($"else {Kernels}StochasticKernels.ForwardInference({ActivationSource(Input)}, {Activations(Output)}, {ActivationStruct(Activation)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Layers };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Output.Width;
        string noisy = $"{Layer}_stochastic", plain = $"{Layer}_deterministic";
        const int threads = Cuda.ElementThreads;
        string act = Cuda.ActivationId(Activation).ToString(System.Globalization.CultureInfo.InvariantCulture), slope = Cuda.Slope(Activation);
        cuda.Kernel(noisy, $"{Layer}: y = f(x + z), z standard logistic from value i of random stream {Stream}; grid ⌈batch·{w}/{threads}⌉, block {threads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n" +
            $"    const float z = cn_logistic(static_cast<unsigned>(K[6]), static_cast<unsigned>(K[7]), {Stream}u, static_cast<unsigned>(i));\n" +
            $"    ({Cuda.Buffer(Output, "A")})[i] = cn::activate<{act}>(({Cuda.Source(Input, "A")})[i] + z, {slope});");
        cuda.Kernel(plain, $"{Layer}: y = f(x) at inference; grid ⌈batch·{w}/{threads}⌉, block {threads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < CN_BATCH * {w}) ({Cuda.Buffer(Output, "A")})[i] = cn::activate<{act}>(({Cuda.Source(Input, "A")})[i], {slope});");
        cuda.Training.Add(Cuda.ElementLaunch(noisy, w));
        cuda.Inference.Add(Cuda.ElementLaunch(plain, w));
    }
}

/// <summary>
/// dPrev = dy ⊙ g ⊙ f′_prev(x): g = f′(y) for a differentiable f; for a binary unit the straight-through estimate,
/// σ(x)(1 − σ(x)) (twice that for Sign) or 1.
/// </summary>
internal sealed record StochasticBackwardOp(string Layer, BufferRef Input, BufferRef Output, ActivationPlan Activation, StochasticEstimatorKind? Estimator,
    ActivationPlan InputDerivative, BufferRef InputDelta) : OpPlan(Layer)
{
    private float SignScale => Activation.Kind == ActivationKind.Sign ? 2f : 1f;
    private bool Identity => Estimator == StochasticEstimatorKind.IdentityStraightThrough;

    public override void WriteCSharp(SourceWriter w)
    {
        if (Estimator is null)
        {
            w.Line($"// {Layer}: the noise is a constant of the step, so dx = dy ⊙ f′(y){DerivativeNote(InputDerivative)}.");
            w.Line($"{Kernels}StochasticKernels.Backward({Deltas(Output)}, {Activations(Output)}, {Activations(Input)}, {Deltas(InputDelta)}, " +
                   $"{ActivationStruct(Activation)}, {ActivationStruct(InputDerivative)});");
            return;
        }
        w.Line($"// {Layer}: the {(Identity ? "identity" : "sigmoid-adjusted")} straight-through estimate of the binary units' gradient{DerivativeNote(InputDerivative)}.");
        w.Line($"{Kernels}StochasticKernels.StraightThroughBackward({Deltas(Output)}, {Activations(Input)}, {Deltas(InputDelta)}, " +
               $"{(Identity ? "true" : "false")}, {Float(SignScale)}, {ActivationStruct(InputDerivative)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Layers };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Output.Width;
        string name = $"{Layer}_backward";
        const int threads = Cuda.ElementThreads;
        string prev = $"cn::derivative<{Cuda.ActivationId(InputDerivative)}>(x, {Cuda.Slope(InputDerivative)})";
        string through = Estimator is null
            ? $"cn::derivative<{Cuda.ActivationId(Activation)}>(({Cuda.Buffer(Output, "A")})[i], {Cuda.Slope(Activation)})"
            : Identity ? "1.0f" : $"{Cuda.Float(SignScale)} * (1.0f / (1.0f + expf(-x))) * (1.0f - 1.0f / (1.0f + expf(-x)))";
        cuda.Kernel(name, $"{Layer}: dx = dy ⊙ {(Estimator is null ? "f′(y)" : "the straight-through estimate")} ⊙ f′_prev(x); grid ⌈batch·{w}/{threads}⌉, block {threads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n" +
            $"    const float x = ({Cuda.Buffer(Input, "A")})[i];\n" +
            $"    ({Cuda.Buffer(InputDelta, "D")})[i] = ({Cuda.Buffer(Output, "D")})[i] * {through} * {prev};");
        cuda.Backward.Add(Cuda.ElementLaunch(name, w));
    }
}
