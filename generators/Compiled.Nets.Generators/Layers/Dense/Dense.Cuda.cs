using Compiled.Nets.Generators.Emit;
using static Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.Dense;

/// <summary>The CUDA C of the dense ops: tiled products (kernels/dense.cuh) and a row softmax (kernels/softmax.cuh).</summary>
internal static class DenseCuda
{
    public static void Forward(CudaProgramBuilder cuda, DenseForwardOp dense)
    {
        int n = dense.Input.Width, m = dense.Output.Width;
        string name = $"{dense.Layer}_forward";
        cuda.Kernel(name, $"{dense.Layer}: dense {n} → {m}, {dense.Epilogue.Kind}; grid (⌈{m}/{Tile}⌉, ⌈batch/{Tile}⌉), block ({Tile}, {Tile})",
            $"cn::dense_forward<CN_BATCH, {n}, {m}, {ActivationId(dense.Epilogue)}, {Tile}>({Source(dense.Input, "A")}, P + {dense.WeightOffset}, P + {dense.BiasOffset}, {Buffer(dense.Output, "A")}, {Slope(dense.Epilogue)});");
        cuda.Forward(new CudaLaunchSpec(name, Ceil(m, Tile), $"(batch + {Tile - 1}) / {Tile}", Tile, Tile, "0"));
    }

    public static void SoftmaxForward(CudaProgramBuilder cuda, SoftmaxForwardOp softmax)
    {
        int w = softmax.Buffer.Width;
        string name = $"{softmax.Layer}_softmax";
        cuda.Kernel(name, $"{softmax.Layer}: softmax over {w} units; grid batch, block {RowThreads}, shared {w * 4} bytes",
            $"cn::softmax_forward<{w}, {RowThreads}>({Buffer(softmax.Buffer, "A")}, {Buffer(softmax.Buffer, "A")});");
        cuda.Forward(new CudaLaunchSpec(name, "batch", "1", RowThreads, 1, Int(w * 4)));
    }

    public static void Backward(CudaProgramBuilder cuda, DenseBackwardOp dense)
    {
        int n = dense.Input.Width, m = dense.Output.Width;
        string weights = $"{dense.Layer}_weight_gradient";
        cuda.Kernel(weights, $"{dense.Layer}: dW = dzᵀ x, db = Σ dz; grid (⌈{n}/{Tile}⌉, ⌈{m}/{Tile}⌉), block ({Tile}, {Tile})",
            $"cn::dense_weight_gradient<CN_BATCH, {n}, {m}, {Tile}>({Buffer(dense.Output, "D")}, {Source(dense.Input, "A")}, G + {dense.WeightOffset}, G + {dense.BiasOffset});");
        cuda.Backward.Add(new CudaLaunchSpec(weights, Ceil(n, Tile), Ceil(m, Tile), Tile, Tile, "0"));
        if (!dense.PropagateToInput) return;
        string inputs = $"{dense.Layer}_input_gradient";
        cuda.Kernel(inputs, $"{dense.Layer}: dz_prev = f′_prev(x) ⊙ (dz W); grid (⌈{n}/{Tile}⌉, ⌈batch/{Tile}⌉), block ({Tile}, {Tile})",
            $"cn::dense_input_gradient<CN_BATCH, {n}, {m}, {ActivationId(dense.InputDerivative)}, {Tile}>({Buffer(dense.Output, "D")}, P + {dense.WeightOffset}, {Buffer(dense.Input, "A")}, {Buffer(dense.InputDelta, "D")}, {Slope(dense.InputDerivative)});");
        cuda.Backward.Add(new CudaLaunchSpec(inputs, Ceil(n, Tile), $"(batch + {Tile - 1}) / {Tile}", Tile, Tile, "0"));
    }

    public static void SoftmaxBackward(CudaProgramBuilder cuda, SoftmaxBackwardOp softmax)
    {
        int w = softmax.Buffer.Width;
        string name = $"{softmax.Layer}_softmax_backward";
        cuda.Kernel(name, $"{softmax.Layer}: through the softmax; grid batch, block {RowThreads}",
            $"cn::softmax_backward<{w}, {RowThreads}>({Buffer(softmax.Buffer, "A")}, {Buffer(softmax.Buffer, "D")});");
        cuda.Backward.Add(new CudaLaunchSpec(name, "batch", "1", RowThreads, 1, "0"));
    }
}
