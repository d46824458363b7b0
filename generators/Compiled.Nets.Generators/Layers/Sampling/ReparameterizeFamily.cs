using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;
using static Compiled.Nets.Generators.Emit.CSharpCode;
using Cuda = Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.Sampling;

/// <summary>[Reparameterize(nameof(Mu), nameof(LogVar), Beta = β)]: the two layers are the spec's input names.</summary>
internal sealed record ReparameterizeOptions : LayerOptions
{
    public override LayerFamily Family => ReparameterizeFamily.Instance;
    public override string Kind => "Reparameterize";
    public required float Beta { get; init; }
}

/// <summary>
/// The VAE's sampling layer: z = μ + exp(½ lv) ⊙ ε in training (ε from a random stream, kept for the backward pass),
/// z = μ at inference; a loss term β · KL(N(μ, σ²) ‖ N(0, 1)) per sample, whose gradient the backward op adds to μ's and lv's.
/// </summary>
internal sealed partial class ReparameterizeFamily : LayerFamily
{
    public static readonly ReparameterizeFamily Instance = new();

    public override string Name => "Sampling";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "ReparameterizeAttribute" };

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        if (attribute.Arguments.Length < 2 || attribute.Arguments[0].Value is not string mean || attribute.Arguments[1].Value is not string logVariance)
            return null;
        attribute.InputNames.Add(mean);
        attribute.InputNames.Add(logVariance);
        var options = new ReparameterizeOptions { Beta = 1f };
        foreach (var named in attribute.Named)
            if (named.Key == "Beta") options = options with { Beta = LayerAttribute.Float(named.Value) };
        return options;
    }

    public override int MinimumNamedInputs(LayerOptions options) => 2;

    public override bool CanBeOutput(LayerOptions options) => false;

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var options = (ReparameterizeOptions)layer.Options;
        if (!(options.Beta >= 0f) || float.IsInfinity(options.Beta))
            context.Report(DiagnosticDescriptors.InvalidSamplingSetting, layer.Location, layer.Name, "Beta", ShapeContext.Format(options.Beta),
                "the KL term's weight is zero or positive and finite");
        if (inputs.Count != 2)
        {
            context.Report(DiagnosticDescriptors.InvalidSamplingSetting, layer.Location, layer.Name, "inputs", inputs.Count,
                "a Reparameterize layer reads exactly two layers, μ then log σ²");
            return null;
        }
        if (inputs[0].OutputSize != inputs[1].OutputSize)
        {
            context.Report(DiagnosticDescriptors.InvalidSamplingSetting, layer.Location, layer.Name, "LogVariance",
                $"'{inputs[1].Name}' {ShapeContext.Shape(inputs[1].OutputShape)}",
                $"μ ('{inputs[0].Name}') is {ShapeContext.Shape(inputs[0].OutputShape)}; μ and log σ² have one value per unit of z each");
            return null;
        }
        return context.Create(layer, inputs, inputs[0].OutputShape, options, ActivationPlan.Linear, deltaAtPreActivation: false);
    }

    public override long Flops(ShapedLayer layer) => 3L * layer.OutputSize;

    public override void AllocateBuffers(LoweringContext context, int index) =>
        context.AllocateNamed(index, "epsilon", context.Layers[index].OutputSize);

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        int stream = context.RandomStream($"{layer.Name}: ε ~ N(0, 1)");
        context.Forward(new ReparameterizeForwardOp(layer.Name, context.Buffer(layer.Inputs[0]), context.Buffer(layer.Inputs[1]), context.Buffer(index),
            context.Named(index, "epsilon"), stream));
    }

    public override IEnumerable<LossTermPlan> LossTerms(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        float beta = ((ReparameterizeOptions)layer.Options).Beta;
        yield return new KlDivergenceTerm(layer.Name, context.Buffer(layer.Inputs[0]), context.Buffer(layer.Inputs[1]), beta);
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var (meanTarget, meanDerivative) = context.GradientInto(layer.Inputs[0]);
        var (logTarget, logDerivative) = context.GradientInto(layer.Inputs[1]);
        context.Backward(new ReparameterizeBackwardOp(layer.Name, context.Buffer(layer.Inputs[0]), context.Buffer(layer.Inputs[1]), context.Buffer(index),
            context.Named(index, "epsilon"), ((ReparameterizeOptions)layer.Options).Beta, meanTarget, meanDerivative, logTarget, logDerivative));
    }

    public override string Describe(LayerPlan layer) =>
        $"z = μ + σ ⊙ ε, ε ~ N(0, 1), β = {Number(((ReparameterizeOptions)layer.Options).Beta)} KL term";
}

/// <summary>Training: ε drawn per value, z = μ + exp(½ lv) ε; inference: z = μ.</summary>
internal sealed record ReparameterizeForwardOp(string Layer, BufferRef Mean, BufferRef LogVariance, BufferRef Output, BufferRef Epsilon, int Stream) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: z = μ + exp(½ log σ²) ⊙ ε with ε ~ N(0, 1) from random stream {Stream}; z = μ at inference.");
        w.Line($"if (training) {Kernels}ReparameterizeKernels.ForwardTraining({ActivationSource(Mean)}, {ActivationSource(LogVariance)}, {Activations(Output)}, {Activations(Epsilon)}, RandomSeed, RandomStep, {Stream});");
        w.Line($"else {ActivationSource(Mean)}.CopyTo({Activations(Output)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Layers };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Output.Width;
        string sample = $"{Layer}_sample", copy = $"{Layer}_mean";
        const int threads = Cuda.ElementThreads;
        cuda.Kernel(sample, $"{Layer}: ε by Box–Muller from stream {Stream} (values 2i, 2i + 1), z = μ + exp(½ lv) ε; grid ⌈batch·{w}/{threads}⌉, block {threads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n" +
            $"    const unsigned seed = static_cast<unsigned>(K[6]), step = static_cast<unsigned>(K[7]);\n" +
            $"    const float e = cn_normal(seed, step, {Stream}u, static_cast<unsigned>(i));\n" +
            $"    ({Cuda.Buffer(Epsilon, "A")})[i] = e;\n" +
            $"    ({Cuda.Buffer(Output, "A")})[i] = ({Cuda.Source(Mean, "A")})[i] + expf(0.5f * ({Cuda.Source(LogVariance, "A")})[i]) * e;");
        cuda.Kernel(copy, $"{Layer}: z = μ at inference; grid ⌈batch·{w}/{threads}⌉, block {threads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < CN_BATCH * {w}) ({Cuda.Buffer(Output, "A")})[i] = ({Cuda.Source(Mean, "A")})[i];");
        cuda.Training.Add(Cuda.ElementLaunch(sample, w));
        cuda.Inference.Add(Cuda.ElementLaunch(copy, w));
    }
}

/// <summary>dμ = (dz + β/B μ) f′_μ, dlv = (dz ε ½σ + β/B ½(σ² − 1)) f′_lv: the sample's gradient and the KL term's, written where each input's goes.</summary>
internal sealed record ReparameterizeBackwardOp(string Layer, BufferRef Mean, BufferRef LogVariance, BufferRef Output, BufferRef Epsilon, float Beta,
    BufferRef? MeanDelta, ActivationPlan MeanDerivative, BufferRef? LogVarianceDelta, ActivationPlan LogVarianceDerivative) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: back through z = μ + σ ⊙ ε, with the KL term's gradient β/batch · (μ, ½(σ² − 1)).");
        string dMean = MeanDelta is null ? "default" : Deltas(MeanDelta);
        string dLog = LogVarianceDelta is null ? "default" : Deltas(LogVarianceDelta);
        w.Line($"{Kernels}ReparameterizeKernels.Backward({Deltas(Output)}, {Activations(Epsilon)}, {Activations(Mean)}, {Activations(LogVariance)}, {dMean}, {dLog}, batch, {Float(Beta)}, " +
               $"{ActivationStruct(MeanDerivative)}, {ActivationStruct(LogVarianceDerivative)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Activations };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Output.Width;
        string name = $"{Layer}_backward";
        string k = $"{Cuda.Float(Beta)} / CN_BATCH";
        var body = new System.Text.StringBuilder($"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n");
        body.Append($"    const float dz = ({Cuda.Buffer(Output, "D")})[i];");
        if (MeanDelta is not null)
            body.Append($"\n    {{ const float mu = ({Cuda.Buffer(Mean, "A")})[i]; ({Cuda.Buffer(MeanDelta, "D")})[i] = (dz + {k} * mu) * cn::derivative<{Cuda.ActivationId(MeanDerivative)}>(mu, {Cuda.Slope(MeanDerivative)}); }}");
        if (LogVarianceDelta is not null)
            body.Append($"\n    {{ const float lv = ({Cuda.Buffer(LogVariance, "A")})[i]; const float s = expf(0.5f * lv);\n" +
                        $"      ({Cuda.Buffer(LogVarianceDelta, "D")})[i] = (dz * ({Cuda.Buffer(Epsilon, "A")})[i] * 0.5f * s + {k} * 0.5f * (s * s - 1.0f)) * cn::derivative<{Cuda.ActivationId(LogVarianceDerivative)}>(lv, {Cuda.Slope(LogVarianceDerivative)}); }}");
        cuda.Kernel(name, $"{Layer}: back through the sample, with the KL term's gradient; grid ⌈batch·{w}/{Cuda.ElementThreads}⌉, block {Cuda.ElementThreads}", body.ToString());
        cuda.Backward.Add(Cuda.ElementLaunch(name, w));
    }
}

/// <summary>β · Σ −½ (1 + lv − μ² − e^lv) / batch: the VAE's KL term, a loss term of the Reparameterize layer.</summary>
internal sealed record KlDivergenceTerm(string Layer, BufferRef Mean, BufferRef LogVariance, float Beta) : LossTermPlan(Layer, Mean, Beta)
{
    public override void WriteCSharpValue(SourceWriter w)
    {
        w.Line($"// {Layer}: β · KL(N(μ, σ²) ‖ N(0, 1)) per sample, β = {Number(Beta)}.");
        w.Line($"loss += (float){Kernels}ReparameterizeKernels.KlDivergence({ActivationSource(Mean)}, {ActivationSource(LogVariance)}, batch, {Float(Beta)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Reduce };

    public override void WriteCudaValue(CudaProgramBuilder cuda)
    {
        string name = $"{Layer}_kl_value";
        int threads = Cuda.ElementThreads;
        cuda.Kernel(name, $"{Layer}: β/batch · Σ −½(1 + lv − μ² − e^lv) added to the mean loss, β = {Cuda.Float(Beta)}; grid 1, block {threads}",
            $"float v = 0.0f; const float* mu = {Cuda.Source(Mean, "A")}; const float* lv = {Cuda.Source(LogVariance, "A")};\n" +
            $"    for (int i = threadIdx.x; i < CN_BATCH * {Mean.Width}; i += {threads}) v += -0.5f * (1.0f + lv[i] - mu[i] * mu[i] - expf(lv[i]));\n" +
            $"    v = cn::block_reduce<{threads}>(v, cn::SumOp());\n    if (threadIdx.x == 0) L[CN_BATCH] += {Cuda.Float(Beta)} / CN_BATCH * v;");
        cuda.Loss.Add(new CudaLaunchSpec(name, "1", "1", threads, 1, "0"));
    }
}
