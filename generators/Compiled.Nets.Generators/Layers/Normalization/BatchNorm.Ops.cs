using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;
using Cuda = Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.Normalization;

/// <summary>
/// y = f(γ x̂ + β): batch statistics while training (x̂ kept in <see cref="Normalized"/>, 1/σ in the scratch arena,
/// running mean and variance at <see cref="StateOffset"/> updated), running statistics at inference.
/// </summary>
internal sealed record BatchNormForwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Normalized,
    int GammaOffset, int BetaOffset, int StateOffset, int ScratchOffset, float Momentum, float Epsilon, ActivationPlan Activation, int Channels) : OpPlan(Layer)
{
    /// <summary>Values per channel per sample: 1 after a Dense layer, height·width after a convolution.</summary>
    public int Plane => Output.Width / Channels;

    public override void WriteCSharp(SourceWriter w)
    {
        int f = Channels;
        w.Line($"// {Layer}: batch normalisation over {f} {(Plane == 1 ? "features" : $"channels of {Plane} values")}, then {Describe(Activation)}.");
        w.Line($"if (training) {Kernels}BatchNormKernels.ForwardTraining({ActivationSource(Input)}, {Activations(Output)}, {Activations(Normalized)}, " +
               $"new {ReadOnlySpan}(_parameters, {GammaOffset}, {f}), new {ReadOnlySpan}(_parameters, {BetaOffset}, {f}), " +
               $"new {Span}(_state, {StateOffset}, {f}), new {Span}(_state, {StateOffset + f}, {f}), new {Span}(_scratch, {ScratchOffset}, {f}), " +
               $"batch, {Float(Momentum)}, {Float(Epsilon)}, {ActivationStruct(Activation)}{PlaneArgument(Plane)});");
        w.Line($"else {Kernels}BatchNormKernels.ForwardInference({ActivationSource(Input)}, {Activations(Output)}, " +
               $"new {ReadOnlySpan}(_parameters, {GammaOffset}, {f}), new {ReadOnlySpan}(_parameters, {BetaOffset}, {f}), " +
               $"new {ReadOnlySpan}(_state, {StateOffset}, {f}), new {ReadOnlySpan}(_state, {StateOffset + f}, {f}), batch, {Float(Epsilon)}, {ActivationStruct(Activation)}{PlaneArgument(Plane)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Layers };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int f = Channels, all = Output.Width;
        string train = $"{Layer}_forward_training", infer = $"{Layer}_forward_inference";
        cuda.Kernel(train, $"{Layer}: batch normalisation with batch statistics; grid ⌈{f}/{Cuda.RowThreads}⌉, block {Cuda.RowThreads}",
            $"cn::batchnorm_forward_training<CN_BATCH, {f}, {Cuda.ActivationId(Activation)}{Cuda.PlaneArgument(Plane)}>({Cuda.Source(Input, "A")}, {Cuda.Buffer(Output, "A")}, {Cuda.Buffer(Normalized, "A")}, " +
            $"P + {GammaOffset}, P + {BetaOffset}, S + {StateOffset}, S + {StateOffset + f}, Z + {ScratchOffset}, {Cuda.Float(Momentum)}, {Cuda.Float(Epsilon)}, {Cuda.Slope(Activation)});");
        cuda.Kernel(infer, $"{Layer}: batch normalisation with running statistics; grid ⌈batch·{all}/{Cuda.ElementThreads}⌉, block {Cuda.ElementThreads}",
            $"cn::batchnorm_forward_inference<CN_BATCH, {f}, {Cuda.ActivationId(Activation)}{Cuda.PlaneArgument(Plane)}>({Cuda.Source(Input, "A")}, {Cuda.Buffer(Output, "A")}, " +
            $"P + {GammaOffset}, P + {BetaOffset}, S + {StateOffset}, S + {StateOffset + f}, {Cuda.Float(Epsilon)}, {Cuda.Slope(Activation)});");
        cuda.Training.Add(new CudaLaunchSpec(train, Cuda.Ceil(f, Cuda.RowThreads), "1", Cuda.RowThreads, 1, "0"));
        cuda.Inference.Add(Cuda.ElementLaunch(infer, all));
    }
}

/// <summary>dγ, dβ and (when it propagates) dPrev from the batch-statistics forward pass.</summary>
internal sealed record BatchNormBackwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Normalized,
    int GammaOffset, int BetaOffset, int ScratchOffset, ActivationPlan Activation, bool PropagateToInput, ActivationPlan InputDerivative,
    int Channels, BufferRef InputDelta) : OpPlan(Layer)
{
    public int Plane => Output.Width / Channels;

    public override void WriteCSharp(SourceWriter w)
    {
        int f = Channels;
        w.Line($"// {Layer}: dγ = Σ dz x̂, dβ = Σ dz{(PropagateToInput ? ", dx = γ/σ (dz − mean dz − x̂ mean(dz x̂))" + DerivativeNote(InputDerivative) : "")}.");
        w.Line($"{Kernels}BatchNormKernels.Backward({Deltas(Output)}, {Activations(Output)}, {Activations(Normalized)}, " +
               $"new {ReadOnlySpan}(_parameters, {GammaOffset}, {f}), new {ReadOnlySpan}(_scratch, {ScratchOffset}, {f}), " +
               $"new {Span}(_gradients, {GammaOffset}, {f}), new {Span}(_gradients, {BetaOffset}, {f}), " +
               $"{(PropagateToInput ? Activations(Input) : "default")}, {(PropagateToInput ? Deltas(InputDelta) : "default")}, batch, " +
               $"{ActivationStruct(Activation)}, {ActivationStruct(InputDerivative)}{PlaneArgument(Plane)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Layers };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int f = Channels;
        string name = $"{Layer}_backward";
        cuda.Kernel(name, $"{Layer}: dγ, dβ{(PropagateToInput ? ", dx" : "")}; grid ⌈{f}/{Cuda.RowThreads}⌉, block {Cuda.RowThreads}",
            $"cn::batchnorm_backward<CN_BATCH, {f}, {Cuda.ActivationId(Activation)}, {Cuda.ActivationId(InputDerivative)}, {(PropagateToInput ? "true" : "false")}{Cuda.PlaneArgument(Plane)}>(" +
            $"{Cuda.Buffer(Output, "D")}, {Cuda.Buffer(Output, "A")}, {Cuda.Buffer(Normalized, "A")}, P + {GammaOffset}, Z + {ScratchOffset}, " +
            $"G + {GammaOffset}, G + {BetaOffset}, {(PropagateToInput ? Cuda.Buffer(Input, "A") : "nullptr")}, {(PropagateToInput ? Cuda.Buffer(InputDelta, "D") : "nullptr")}, " +
            $"{Cuda.Slope(Activation)}, {Cuda.Slope(InputDerivative)});");
        cuda.Backward.Add(new CudaLaunchSpec(name, Cuda.Ceil(f, Cuda.RowThreads), "1", Cuda.RowThreads, 1, "0"));
    }
}
