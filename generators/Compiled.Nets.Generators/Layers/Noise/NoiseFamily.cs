using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Layers.Dropout;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;
using static Compiled.Nets.Generators.Emit.CSharpCode;
using Cuda = Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.Noise;

/// <summary>[GaussianNoise(sigma)].</summary>
internal sealed record GaussianNoiseOptions : LayerOptions
{
    public override LayerFamily Family => NoiseFamily.Instance;
    public override string Kind => "GaussianNoise";
    public required float Sigma { get; init; }
}

/// <summary>[MaskingNoise(rate)].</summary>
internal sealed record MaskingNoiseOptions : LayerOptions
{
    public override LayerFamily Family => NoiseFamily.Instance;
    public override string Kind => "MaskingNoise";
    public required float Rate { get; init; }
}

/// <summary>
/// The denoising autoencoder's corruptions (Vincent et al. 2008), element-wise and training only: additive Gaussian
/// noise (Keras's GaussianNoise) and masking noise (a fraction of the values set to 0, not rescaled). Both draw from a
/// seeded random stream of the Plan, as Dropout does, and are the identity at inference.
/// </summary>
internal sealed partial class NoiseFamily : LayerFamily
{
    public static readonly NoiseFamily Instance = new();

    public override string Name => "Noise";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "GaussianNoiseAttribute", "MaskingNoiseAttribute" };

    /// <summary>Element-wise: on a sequence it corrupts every step.</summary>
    public override bool ReadsSequences(LayerOptions options) => true;

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        if (!attribute.Has(0)) return null;
        return attribute.AttributeName == "MaskingNoiseAttribute"
            ? new MaskingNoiseOptions { Rate = attribute.Float(0) }
            : new GaussianNoiseOptions { Sigma = attribute.Float(0) };
    }

    public override bool CanBeOutput(LayerOptions options) => false;

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        switch (layer.Options)
        {
            case GaussianNoiseOptions gaussian when !(gaussian.Sigma >= 0f) || float.IsInfinity(gaussian.Sigma):
                context.Report(DiagnosticDescriptors.InvalidNoiseSetting, layer.Location, layer.Name, "sigma",
                    ShapeContext.Format(gaussian.Sigma), "the noise's standard deviation must be finite and 0 or more");
                return null;
            case MaskingNoiseOptions masking when !(masking.Rate >= 0f && masking.Rate < 1f):
                context.Report(DiagnosticDescriptors.InvalidNoiseSetting, layer.Location, layer.Name, "rate",
                    ShapeContext.Format(masking.Rate), "the masking rate is a probability in [0, 1)");
                return null;
        }
        return context.Create(layer, inputs, inputs[0].OutputShape, layer.Options, ActivationPlan.Linear, deltaAtPreActivation: false);
    }

    public override long Flops(ShapedLayer layer) => layer.OutputSize;

    public override void AllocateBuffers(LoweringContext context, int index)
    {
        if (context.Layers[index].Options is MaskingNoiseOptions) context.AllocateNamed(index, "mask", context.Layers[index].OutputSize);
    }

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        if (layer.Options is MaskingNoiseOptions masking)
        {
            int stream = context.RandomStream($"{layer.Name}: masking noise");
            context.Forward(new MaskingNoiseForwardOp(layer.Name, context.InputOf(index), context.Buffer(index), context.Named(index, "mask"), masking.Rate, stream));
        }
        else
        {
            int stream = context.RandomStream($"{layer.Name}: Gaussian noise");
            context.Forward(new GaussianNoiseForwardOp(layer.Name, context.InputOf(index), context.Buffer(index), ((GaussianNoiseOptions)layer.Options).Sigma, stream));
        }
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var (target, derivative) = context.GradientInto(layer.Inputs[0]);
        if (target is null) return;  // nothing to learn here: the gradient stops at the network's input
        // Through the mask for masking noise (Dropout's backward with a 0/1 mask); straight through for additive noise.
        context.Backward(layer.Options is MaskingNoiseOptions
            ? new DropoutBackwardOp(layer.Name, context.InputOf(index), context.Buffer(index), context.Named(index, "mask"), derivative, target) { MaskName = "the masking-noise mask" }
            : new NoisePassBackwardOp(layer.Name, context.InputOf(index), context.Buffer(index), derivative, target));
    }

    public override string Describe(LayerPlan layer) => layer.Options switch
    {
        GaussianNoiseOptions g => $"Gaussian noise, σ {Number(g.Sigma)} (training only)",
        MaskingNoiseOptions m => $"masking noise, rate {Number(m.Rate)} (training only)",
        _ => "noise",
    };
}

/// <summary>Training: y = x + σ z with z ~ N(0, 1) by Box–Muller from random stream <see cref="Stream"/>; inference: y = x.</summary>
internal sealed record GaussianNoiseForwardOp(string Layer, BufferRef Input, BufferRef Output, float Sigma, int Stream) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: Gaussian noise, σ {Number(Sigma)}, from random stream {Stream} (identity at inference).");
        w.Line($"if (training) {Kernels}NoiseKernels.GaussianForwardTraining({ActivationSource(Input)}, {Activations(Output)}, {Float(Sigma)}, RandomSeed, RandomStep, {Stream});");
        w.Line($"else {ActivationSource(Input)}.CopyTo({Activations(Output)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Layers };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Output.Width;
        string noise = $"{Layer}_noise", copy = $"{Layer}_identity";
        const int threads = Cuda.ElementThreads;
        cuda.Kernel(noise, $"{Layer}: y = x + σ z, z by Box–Muller from values 2i and 2i + 1 of random stream {Stream}; grid ⌈batch·{w}/{threads}⌉, block {threads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n" +
            $"    const unsigned seed = static_cast<unsigned>(K[6]), step = static_cast<unsigned>(K[7]);\n" +
            $"    ({Cuda.Buffer(Output, "A")})[i] = ({Cuda.Source(Input, "A")})[i] + {Cuda.Float(Sigma)} * cn_normal(seed, step, {Stream}u, static_cast<unsigned>(i));");
        cuda.Kernel(copy, $"{Layer}: identity at inference; grid ⌈batch·{w}/{threads}⌉, block {threads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < CN_BATCH * {w}) ({Cuda.Buffer(Output, "A")})[i] = ({Cuda.Source(Input, "A")})[i];");
        cuda.Training.Add(Cuda.ElementLaunch(noise, w));
        cuda.Inference.Add(Cuda.ElementLaunch(copy, w));
    }

    public override QuantizedStep? Quantized => new QuantizedIdentityStep(Layer, Input, Output);
}

/// <summary>Training: y = x ⊙ mask, mask 0 with probability <see cref="Rate"/> and 1 otherwise (not rescaled); inference: y = x.</summary>
internal sealed record MaskingNoiseForwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Mask, float Rate, int Stream) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: masking noise, rate {Number(Rate)}, mask from random stream {Stream}, no rescaling (identity at inference).");
        w.Line($"if (training) {Kernels}NoiseKernels.MaskingForwardTraining({ActivationSource(Input)}, {Activations(Output)}, {Activations(Mask)}, {Float(Rate)}, RandomSeed, RandomStep, {Stream});");
        w.Line($"else {ActivationSource(Input)}.CopyTo({Activations(Output)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Layers };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Output.Width;
        string mask = $"{Layer}_mask", apply = $"{Layer}_masking", copy = $"{Layer}_identity";
        const int threads = Cuda.ElementThreads;
        cuda.Kernel(mask, $"{Layer}: a fresh 0/1 mask from random stream {Stream}; grid ⌈batch·{w}/{threads}⌉, block {threads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n" +
            $"    const float u = cn_uniform(static_cast<unsigned>(K[6]), static_cast<unsigned>(K[7]), {Stream}u, static_cast<unsigned>(i));\n" +
            $"    ({Cuda.Buffer(Mask, "A")})[i] = u < {Cuda.Float(Rate)} ? 0.0f : 1.0f;");
        cuda.Kernel(apply, $"{Layer}: y = x ⊙ mask; grid ⌈batch·{w}/{threads}⌉, block {threads}",
            $"cn::dropout_forward<CN_BATCH * {w}>({Cuda.Source(Input, "A")}, {Cuda.Buffer(Mask, "A")}, {Cuda.Buffer(Output, "A")});");
        cuda.Kernel(copy, $"{Layer}: identity at inference; grid ⌈batch·{w}/{threads}⌉, block {threads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < CN_BATCH * {w}) ({Cuda.Buffer(Output, "A")})[i] = ({Cuda.Source(Input, "A")})[i];");
        cuda.Training.Add(Cuda.ElementLaunch(mask, w));
        cuda.Training.Add(Cuda.ElementLaunch(apply, w));
        cuda.Inference.Add(Cuda.ElementLaunch(copy, w));
    }

    public override QuantizedStep? Quantized => new QuantizedIdentityStep(Layer, Input, Output);
}

/// <summary>dPrev = dy ⊙ f′_prev(x): additive noise passes the gradient straight through.</summary>
internal sealed record NoisePassBackwardOp(string Layer, BufferRef Input, BufferRef Output, ActivationPlan InputDerivative, BufferRef InputDelta) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: the gradient passes through the additive noise{DerivativeNote(InputDerivative)}.");
        w.Line($"{Kernels}NoiseKernels.PassBackward({Deltas(Output)}, {Activations(Input)}, {Deltas(InputDelta)}, {ActivationStruct(InputDerivative)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Normalization };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Output.Width;
        string name = $"{Layer}_backward";
        cuda.Kernel(name, $"{Layer}: the gradient passes through; grid ⌈batch·{w}/{Cuda.ElementThreads}⌉, block {Cuda.ElementThreads}",
            $"cn::noise_pass_backward<CN_BATCH * {w}, {Cuda.ActivationId(InputDerivative)}>({Cuda.Buffer(Output, "D")}, {Cuda.Buffer(Input, "A")}, {Cuda.Buffer(InputDelta, "D")}, {Cuda.Slope(InputDerivative)});");
        cuda.Backward.Add(Cuda.ElementLaunch(name, w));
    }
}
