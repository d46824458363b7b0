using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.Pooling;

/// <summary>The CUDA C of the pooling ops (kernels/pool.cuh), one thread per output or input value.</summary>
internal static class PoolingCuda
{
    private static string KernelName(string layer, PoolKind kind) =>
        $"{layer}_{(kind == PoolKind.Max ? "maxpool" : kind == PoolKind.Average ? "avgpool" : "global_avgpool")}";

    public static void Forward(CudaProgramBuilder cuda, PoolForwardOp pool)
    {
        var c = pool.Window;
        string name = KernelName(pool.Layer, pool.Kind);
        CudaLaunchSpec launch;
        switch (pool.Kind)
        {
            case PoolKind.Max:
                cuda.Kernel(name, $"{pool.Layer}: max pooling {c.KernelHeight}×{c.KernelWidth}, stride {c.StrideWidth}, switches kept; grid ⌈batch·{c.OutputSize}/{ElementThreads}⌉, block {ElementThreads}",
                    $"cn::maxpool2d_forward<CN_BATCH, {PoolArguments(c)}>({Source(pool.Input, "A")}, {Buffer(pool.Output, "A")}, {Switches(pool.Switches!)});");
                launch = ElementLaunch(name, c.OutputSize);
                break;
            case PoolKind.Average:
                cuda.Kernel(name, $"{pool.Layer}: average pooling {c.KernelHeight}×{c.KernelWidth}, stride {c.StrideWidth}; grid ⌈batch·{c.OutputSize}/{ElementThreads}⌉, block {ElementThreads}",
                    $"cn::avgpool2d_forward<CN_BATCH, {PoolArguments(c)}>({Source(pool.Input, "A")}, {Buffer(pool.Output, "A")});");
                launch = ElementLaunch(name, c.OutputSize);
                break;
            default:
                cuda.Kernel(name, $"{pool.Layer}: global average of {c.InChannels} channels; grid batch·{c.InChannels}, block {ReduceThreads}",
                    $"cn::global_avgpool_forward<CN_BATCH, {c.InChannels}, {c.InHeight}, {c.InWidth}, {ReduceThreads}>({Source(pool.Input, "A")}, {Buffer(pool.Output, "A")});");
                launch = new CudaLaunchSpec(name, $"batch * {c.InChannels}", "1", ReduceThreads, 1, "0");
                break;
        }
        cuda.Forward(launch);
    }

    public static void Backward(CudaProgramBuilder cuda, PoolBackwardOp pool)
    {
        var c = pool.Window;
        string name = KernelName(pool.Layer, pool.Kind) + "_backward";
        string yPrev = pool.InputDerivative.Kind == ActivationKind.Linear ? "nullptr" : Buffer(pool.Input, "A");
        string call = pool.Kind switch
        {
            PoolKind.Max => $"cn::maxpool2d_backward<CN_BATCH, {PoolArguments(c)}, {ActivationId(pool.InputDerivative)}>({Buffer(pool.Output, "D")}, {Switches(pool.Switches!)}, {yPrev}, {Buffer(pool.InputDelta, "D")}, {Slope(pool.InputDerivative)});",
            PoolKind.Average => $"cn::avgpool2d_backward<CN_BATCH, {PoolArguments(c)}, {ActivationId(pool.InputDerivative)}>({Buffer(pool.Output, "D")}, {yPrev}, {Buffer(pool.InputDelta, "D")}, {Slope(pool.InputDerivative)});",
            _ => $"cn::global_avgpool_backward<CN_BATCH, {c.InChannels}, {c.InHeight}, {c.InWidth}, {ActivationId(pool.InputDerivative)}>({Buffer(pool.Output, "D")}, {yPrev}, {Buffer(pool.InputDelta, "D")}, {Slope(pool.InputDerivative)});",
        };
        cuda.Kernel(name, $"{pool.Layer}: the pooling's gradient, one thread per input value; grid ⌈batch·{c.InputSize}/{ElementThreads}⌉, block {ElementThreads}", call);
        cuda.Backward.Add(ElementLaunch(name, c.InputSize));
    }

    public static void UnpoolForward(CudaProgramBuilder cuda, UnpoolForwardOp unpool)
    {
        var c = unpool.Window;
        string name = $"{unpool.Layer}_unpool";
        cuda.Kernel(name, $"{unpool.Layer}: max-unpooling with the pooling's switches; grid ⌈batch·{c.InputSize}/{ElementThreads}⌉, block {ElementThreads}",
            $"cn::max_unpool2d_forward<CN_BATCH, {PoolArguments(c)}>({Source(unpool.Input, "A")}, {Switches(unpool.Switches)}, {Buffer(unpool.Output, "A")});");
        cuda.Forward(ElementLaunch(name, c.InputSize));
    }

    public static void UnpoolBackward(CudaProgramBuilder cuda, UnpoolBackwardOp unpool)
    {
        var c = unpool.Window;
        string name = $"{unpool.Layer}_unpool_backward";
        string yPrev = unpool.InputDerivative.Kind == ActivationKind.Linear ? "nullptr" : Buffer(unpool.Input, "A");
        cuda.Kernel(name, $"{unpool.Layer}: dx = dy at each value's switch; grid ⌈batch·{c.OutputSize}/{ElementThreads}⌉, block {ElementThreads}",
            $"cn::max_unpool2d_backward<CN_BATCH, {PoolArguments(c)}, {ActivationId(unpool.InputDerivative)}>({Buffer(unpool.Output, "D")}, {Switches(unpool.Switches)}, {yPrev}, {Buffer(unpool.InputDelta, "D")}, {Slope(unpool.InputDerivative)});");
        cuda.Backward.Add(ElementLaunch(name, c.OutputSize));
    }
}
