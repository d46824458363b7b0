using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;
using static Compiled.Nets.Generators.Emit.CSharpCode;
using Cuda = Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.Dropout;

/// <summary>[Dropout(rate)].</summary>
internal sealed record DropoutOptions : LayerOptions
{
    public override LayerFamily Family => DropoutFamily.Instance;
    public override string Kind => "Dropout";
    public required float Rate { get; init; }
}

/// <summary>Inverted dropout (Srivastava et al. 2014), element-wise: a fresh seeded mask per training step, the identity at inference.</summary>
internal sealed partial class DropoutFamily : LayerFamily
{
    public static readonly DropoutFamily Instance = new();

    public override string Name => "Dropout";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "DropoutAttribute" };

    /// <summary>Dropout is element-wise: on a sequence it drops values of every step.</summary>
    public override bool ReadsSequences(LayerOptions options) => true;

    public override LayerOptions? Parse(LayerAttribute attribute) =>
        attribute.Has(0) ? new DropoutOptions { Rate = attribute.Float(0) } : null;

    public override bool CanBeOutput(LayerOptions options) => false;

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var options = (DropoutOptions)layer.Options;
        if (!(options.Rate >= 0f && options.Rate < 1f))
            context.Report(DiagnosticDescriptors.InvalidDropoutRate, layer.Location, layer.Name, "rate",
                ShapeContext.Format(options.Rate), "the dropout rate is a probability in [0, 1)");
        return context.Create(layer, inputs, inputs[0].OutputShape, options, ActivationPlan.Linear, deltaAtPreActivation: false);
    }

    public override long Flops(ShapedLayer layer) => layer.OutputSize;

    public override void AllocateBuffers(LoweringContext context, int index) =>
        context.AllocateNamed(index, "mask", context.Layers[index].OutputSize);

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        int stream = context.RandomStream($"{layer.Name}: dropout mask");
        context.Forward(new DropoutForwardOp(layer.Name, context.InputOf(index), context.Buffer(index), context.Named(index, "mask"), ((DropoutOptions)layer.Options).Rate, stream));
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var (target, derivative) = context.GradientInto(layer.Inputs[0]);
        context.Backward(new DropoutBackwardOp(layer.Name, context.InputOf(index), context.Buffer(index), context.Named(index, "mask"), derivative, target!));
    }

    public override string Describe(LayerPlan layer) => "dropout";
}

/// <summary>Training: y = x ⊙ mask with a fresh seeded mask (0 or 1/(1 − rate)); inference: y = x.</summary>
internal sealed record DropoutForwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Mask, float Rate, int Stream) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: inverted dropout, rate {Number(Rate)}, mask from random stream {Stream} (identity at inference).");
        w.Line($"if (training) {Kernels}DropoutKernels.ForwardTraining({ActivationSource(Input)}, {Activations(Output)}, {Activations(Mask)}, {Float(Rate)}, RandomSeed, RandomStep, {Stream});");
        w.Line($"else {ActivationSource(Input)}.CopyTo({Activations(Output)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Layers };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Output.Width;
        string mask = $"{Layer}_mask", apply = $"{Layer}_dropout", copy = $"{Layer}_identity";
        float keep = 1f / (1f - Rate);
        const int threads = Cuda.ElementThreads;
        cuda.Kernel(mask, $"{Layer}: a fresh mask from random stream {Stream}, a counter-based hash of (seed K[6], step K[7], stream, index); grid ⌈batch·{w}/{threads}⌉, block {threads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n" +
            $"    const float u = cn_uniform(static_cast<unsigned>(K[6]), static_cast<unsigned>(K[7]), {Stream}u, static_cast<unsigned>(i));\n" +
            $"    ({Cuda.Buffer(Mask, "A")})[i] = u < {Cuda.Float(Rate)} ? 0.0f : {Cuda.Float(keep)};");
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

/// <summary>dPrev = dy ⊙ mask ⊙ f′_prev(x).</summary>
internal sealed record DropoutBackwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Mask,
    ActivationPlan InputDerivative, BufferRef InputDelta) : OpPlan(Layer)
{
    /// <summary>What the mask is, for the comment (MaskingNoise reuses this op with a 0/1 mask).</summary>
    public string MaskName { get; init; } = "the dropout mask";

    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: back through {MaskName}{DerivativeNote(InputDerivative)}.");
        w.Line($"{Kernels}DropoutKernels.Backward({Deltas(Output)}, {Activations(Mask)}, {Activations(Input)}, {Deltas(InputDelta)}, {ActivationStruct(InputDerivative)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Layers };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Output.Width;
        string name = $"{Layer}_backward";
        cuda.Kernel(name, $"{Layer}: back through the mask; grid ⌈batch·{w}/{Cuda.ElementThreads}⌉, block {Cuda.ElementThreads}",
            $"cn::dropout_backward<CN_BATCH * {w}, {Cuda.ActivationId(InputDerivative)}>({Cuda.Buffer(Output, "D")}, {Cuda.Buffer(Mask, "A")}, {Cuda.Buffer(Input, "A")}, {Cuda.Buffer(InputDelta, "D")}, {Cuda.Slope(InputDerivative)});");
        cuda.Backward.Add(Cuda.ElementLaunch(name, w));
    }
}
