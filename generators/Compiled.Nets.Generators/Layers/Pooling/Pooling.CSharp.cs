using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;

namespace Compiled.Nets.Generators.Layers.Pooling;

/// <summary>The C# of the pooling ops: calls into PoolKernels with the window as a constant Pool2DShape.</summary>
internal static class PoolingCSharp
{
    public static void Forward(SourceWriter w, PoolForwardOp pool)
    {
        var c = pool.Window;
        string x = ActivationSource(pool.Input);
        switch (pool.Kind)
        {
            case PoolKind.Max:
                w.Line($"// {pool.Layer}: max pooling {c.KernelHeight}×{c.KernelWidth}, stride {c.StrideWidth}; the winners' positions kept for the backward pass.");
                w.Line($"{Kernels}PoolKernels.MaxForward({x}, {Activations(pool.Output)}, {Switches(pool.Switches!)}, batch, {PoolShape(c)});");
                break;
            case PoolKind.Average:
                w.Line($"// {pool.Layer}: average pooling {c.KernelHeight}×{c.KernelWidth}, stride {c.StrideWidth}.");
                w.Line($"{Kernels}PoolKernels.AverageForward({x}, {Activations(pool.Output)}, batch, {PoolShape(c)});");
                break;
            default:
                w.Line($"// {pool.Layer}: global average over each of {c.InChannels} channels' {c.InHeight * c.InWidth} values.");
                w.Line($"{Kernels}PoolKernels.GlobalAverageForward({x}, {Activations(pool.Output)}, batch, {c.InChannels}, {c.InHeight * c.InWidth});");
                break;
        }
    }

    public static void Backward(SourceWriter w, PoolBackwardOp pool)
    {
        var c = pool.Window;
        var dx = Deltas(pool.InputDelta);
        switch (pool.Kind)
        {
            case PoolKind.Max:
                w.Line($"// {pool.Layer}: each window's gradient to the position that won{DerivativeNote(pool.InputDerivative)}.");
                w.Line($"{Kernels}PoolKernels.MaxBackward({Deltas(pool.Output)}, {Switches(pool.Switches!)}, {dx}, batch, {PoolShape(c)}, " +
                       $"{(pool.InputDerivative.Kind == ActivationKind.Linear ? "default" : Activations(pool.Input))}, {ActivationStruct(pool.InputDerivative)});");
                break;
            case PoolKind.Average:
                w.Line($"// {pool.Layer}: each window's gradient spread evenly{DerivativeNote(pool.InputDerivative)}.");
                w.Line($"{Kernels}PoolKernels.AverageBackward({Deltas(pool.Output)}, {dx}, batch, {PoolShape(c)});");
                break;
            default:
                w.Line($"// {pool.Layer}: each channel's gradient spread over its values{DerivativeNote(pool.InputDerivative)}.");
                w.Line($"{Kernels}PoolKernels.GlobalAverageBackward({Deltas(pool.Output)}, {dx}, batch, {c.InChannels}, {c.InHeight * c.InWidth});");
                break;
        }
        if (pool.InputDerivative.Kind != ActivationKind.Linear && pool.Kind != PoolKind.Max)
            w.Line($"{Kernels}GraphKernels.MultiplyByDerivative({dx}, {Activations(pool.Input)}, {ActivationStruct(pool.InputDerivative)});");
    }

    public static void UnpoolForward(SourceWriter w, UnpoolForwardOp unpool)
    {
        w.Line($"// {unpool.Layer}: max-unpooling to [{unpool.Window.InChannels}, {unpool.Window.InHeight}, {unpool.Window.InWidth}] with the pooling's switches.");
        w.Line($"{Kernels}PoolKernels.MaxUnpool({ActivationSource(unpool.Input)}, {Switches(unpool.Switches)}, {Activations(unpool.Output)}, batch, {PoolShape(unpool.Window)});");
    }

    public static void UnpoolBackward(SourceWriter w, UnpoolBackwardOp unpool)
    {
        w.Line($"// {unpool.Layer}: the gradient where each value was placed{DerivativeNote(unpool.InputDerivative)}.");
        w.Line($"{Kernels}PoolKernels.MaxUnpoolBackward({Deltas(unpool.Output)}, {Switches(unpool.Switches)}, {Deltas(unpool.InputDelta)}, batch, {PoolShape(unpool.Window)});");
        if (unpool.InputDerivative.Kind != ActivationKind.Linear)
            w.Line($"{Kernels}GraphKernels.MultiplyByDerivative({Deltas(unpool.InputDelta)}, {Activations(unpool.Input)}, {ActivationStruct(unpool.InputDerivative)});");
    }
}
