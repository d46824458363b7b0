using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;
using static Compiled.Nets.Generators.Emit.CSharpCode;
using Cuda = Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.PReLU;

/// <summary>[PReLU(InitialSlope = 0.25)].</summary>
internal sealed record PReLUOptions : LayerOptions
{
    public override LayerFamily Family => PReLUFamily.Instance;
    public override string Kind => "PReLU";
    public required float InitialSlope { get; init; }
}

/// <summary>Parametric ReLU (He et al. 2015) with one learned slope a for the layer (nn.PReLU's default).</summary>
internal sealed partial class PReLUFamily : LayerFamily
{
    public static readonly PReLUFamily Instance = new();

    public override string Name => "PReLU";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "PReLUAttribute" };

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        var options = new PReLUOptions { InitialSlope = 0.25f };
        foreach (var named in attribute.Named)
            if (named.Key == "InitialSlope") options = options with { InitialSlope = LayerAttribute.Float(named.Value) };
        return options;
    }

    public override bool CanBeOutput(LayerOptions options) => false;

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var options = (PReLUOptions)layer.Options;
        if (float.IsNaN(options.InitialSlope) || float.IsInfinity(options.InitialSlope))
            context.Report(DiagnosticDescriptors.InvalidInitialSlope, layer.Location, layer.Name, "InitialSlope",
                ShapeContext.Format(options.InitialSlope), "the initial slope must be a finite number");
        var (l1, l2) = context.Penalties(layer, float.NaN, float.NaN);
        return context.Create(layer, inputs, inputs[0].OutputShape, options, ActivationPlan.Linear, deltaAtPreActivation: false)
            with { WeightCount = 1, L1 = l1, L2 = l2 };
    }

    public override long Flops(ShapedLayer layer) => layer.OutputSize;

    public override IEnumerable<TensorPlan> Tensors(LayerPlan layer)
    {
        yield return new TensorPlan(layer.Name + ".weight", new[] { 1 }.ToEquatableArray(), false, layer.WeightOffset);
    }

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        context.Forward(new PReLUForwardOp(layer.Name, context.InputOf(index), context.Buffer(index), layer.WeightOffset));
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var input = context.InputOf(index);
        var (target, derivative) = context.GradientInto(layer.Inputs[0]);
        context.Backward(new PReLUBackwardOp(layer.Name, input, context.Buffer(index), layer.WeightOffset, target is not null, derivative, target ?? input));
    }

    public override void WriteInitialization(SourceWriter w, LayerPlan layer)
    {
        float slope = ((PReLUOptions)layer.Options).InitialSlope;
        w.Line($"// {layer.Name}: the slope starts at {Number(slope)}.");
        w.Line($"_parameters[{layer.WeightOffset}] = {Float(slope)};");
    }

    public override string Describe(LayerPlan layer) => "PReLU";
}

/// <summary>y = x for x &gt; 0, a x otherwise; a at <see cref="SlopeOffset"/> in the parameter arena.</summary>
internal sealed record PReLUForwardOp(string Layer, BufferRef Input, BufferRef Output, int SlopeOffset) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: PReLU with the learned slope a = parameter {SlopeOffset}.");
        w.Line($"{Kernels}PReLUKernels.Forward({ActivationSource(Input)}, {Activations(Output)}, _parameters[{SlopeOffset}]);");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Layers };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Output.Width;
        string name = $"{Layer}_forward";
        cuda.Kernel(name, $"{Layer}: PReLU; grid ⌈batch·{w}/{Cuda.ElementThreads}⌉, block {Cuda.ElementThreads}",
            $"cn::prelu_forward<CN_BATCH * {w}>({Cuda.Source(Input, "A")}, {Cuda.Buffer(Output, "A")}, P + {SlopeOffset});");
        cuda.Forward(Cuda.ElementLaunch(name, w));
    }
}

/// <summary>∂L/∂a = Σ dy · min(x, 0); dPrev = dy ⊙ (x &gt; 0 ? 1 : a) ⊙ f′_prev(x) when it propagates.</summary>
internal sealed record PReLUBackwardOp(string Layer, BufferRef Input, BufferRef Output, int SlopeOffset,
    bool PropagateToInput, ActivationPlan InputDerivative, BufferRef InputDelta) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: ∂L/∂a = Σ dy · min(x, 0){(PropagateToInput ? ", and back to the previous layer" + DerivativeNote(InputDerivative) : "")}.");
        w.Line($"_gradients[{SlopeOffset}] += {Kernels}PReLUKernels.Backward({Deltas(Output)}, {ActivationSource(Input)}, _parameters[{SlopeOffset}], " +
               $"{(PropagateToInput ? Deltas(InputDelta) : "default")}, {ActivationStruct(InputDerivative)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Layers };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Output.Width;
        const int threads = Cuda.ElementThreads;
        // Per-block partial sums of ∂L/∂a live after the fixed scratch; a one-block sum finishes them in order.
        string blocks = $"(batch * {w} + {threads - 1}) / {threads}";
        string partials = cuda.ReserveScratch(blocks);
        string name = $"{Layer}_backward", sum = $"{Layer}_slope_gradient";
        cuda.Kernel(name, $"{Layer}: partial ∂L/∂a per block{(PropagateToInput ? " and dx" : "")}; grid ⌈batch·{w}/{threads}⌉, block {threads}",
            $"cn::prelu_backward<CN_BATCH * {w}, {threads}, {Cuda.ActivationId(InputDerivative)}, {(PropagateToInput ? "true" : "false")}>(" +
            $"{Cuda.Buffer(Output, "D")}, {Cuda.Source(Input, "A")}, P + {SlopeOffset}, {partials}, {(PropagateToInput ? Cuda.Buffer(InputDelta, "D") : "nullptr")}, {Cuda.Slope(InputDerivative)});");
        cuda.Kernel(sum, $"{Layer}: ∂L/∂a = the partial sums, in order; grid 1, block {Cuda.RowThreads}",
            $"cn::reduce_sum<(CN_BATCH * {w} + {threads - 1}) / {threads}, {Cuda.RowThreads}>({partials}, G + {SlopeOffset});");
        cuda.Backward.Add(new CudaLaunchSpec(name, blocks, "1", threads, 1, "0"));
        cuda.Backward.Add(new CudaLaunchSpec(sum, "1", "1", Cuda.RowThreads, 1, "0"));
    }
}
