using Compiled.Nets.Generators.Emit;
using static Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.Dense;

/// <summary>The CUDA C of the dense ops: tiled products (kernels/dense.cuh) and a row softmax (kernels/softmax.cuh).</summary>
internal static class DenseCuda
{
    // On a sequence a dense layer runs over every step of every sample: batch · steps rows (capacity CN_BATCH · steps).
    private static string Capacity(int steps) => steps == 1 ? "CN_BATCH" : $"CN_BATCH * {steps}";
    private static string Rows(int steps) => steps == 1 ? "batch" : $"batch * {steps}";

    public static void Forward(CudaProgramBuilder cuda, DenseForwardOp dense)
    {
        int n = dense.Input.Width / dense.Steps, m = dense.Output.Width / dense.Steps;
        string name = $"{dense.Layer}_forward";
        cuda.Kernel(name, $"{dense.Layer}: dense {n} → {m}, {dense.Epilogue.Kind}; grid (⌈{m}/{Tile}⌉, ⌈{Rows(dense.Steps)}/{Tile}⌉), block ({Tile}, {Tile})",
            $"cn::dense_forward<{Capacity(dense.Steps)}, {n}, {m}, {ActivationId(dense.Epilogue)}, {Tile}>({Source(dense.Input, "A")}, P + {dense.WeightOffset}, P + {dense.BiasOffset}, {Buffer(dense.Output, "A")}, {Slope(dense.Epilogue)});");
        cuda.Forward(new CudaLaunchSpec(name, Ceil(m, Tile), $"({Rows(dense.Steps)} + {Tile - 1}) / {Tile}", Tile, Tile, "0"));
    }

    public static void TiedForward(CudaProgramBuilder cuda, TiedDenseForwardOp op)
    {
        int n = op.Input.Width, m = op.Output.Width;
        string name = $"{op.Layer}_forward";
        cuda.Kernel(name, $"{op.Layer}: dense {n} → {m} with {op.Partner}'s weight transposed, {op.Epilogue.Kind}; one thread per output; grid ⌈batch·{m}/{ElementThreads}⌉, block {ElementThreads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {m}) return;\n" +
            $"    const int s = i / {m}, j = i % {m}; const float* x = {Source(op.Input, "A")} + s * {n};\n" +
            $"    float z = P[{op.BiasOffset} + j];\n    for (int k = 0; k < {n}; ++k) z += P[{op.WeightOffset} + k * {m} + j] * x[k];\n" +
            $"    ({Buffer(op.Output, "A")})[i] = cn::activate<{ActivationId(op.Epilogue)}>(z, {Slope(op.Epilogue)});");
        cuda.Forward(ElementLaunch(name, m));
    }

    public static void TiedBackward(CudaProgramBuilder cuda, TiedDenseBackwardOp op)
    {
        int n = op.Input.Width, m = op.Output.Width;
        string weights = $"{op.Layer}_tied_weight_gradient", bias = $"{op.Layer}_bias_gradient";
        // One thread per weight: a fixed order over the batch, and no other kernel writes it at the same time.
        cuda.Kernel(weights, $"{op.Layer}: {op.Partner}'s dW[k, j] += Σ x[k] dz[j]; grid ⌈{n * m}/{ElementThreads}⌉, block {ElementThreads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= {n * m}) return;\n" +
            $"    const int k = i / {m}, j = i % {m}; const float* x = {Source(op.Input, "A")}; const float* dz = {Buffer(op.Output, "D")};\n" +
            $"    float g = 0.0f;\n    for (int s = 0; s < CN_BATCH; ++s) g += x[s * {n} + k] * dz[s * {m} + j];\n    G[{op.WeightOffset} + i] += g;");
        cuda.Kernel(bias, $"{op.Layer}: db += Σ dz; grid ⌈{m}/{ElementThreads}⌉, block {ElementThreads}",
            $"const int j = blockIdx.x * blockDim.x + threadIdx.x; if (j >= {m}) return;\n" +
            $"    const float* dz = {Buffer(op.Output, "D")}; float g = 0.0f;\n    for (int s = 0; s < CN_BATCH; ++s) g += dz[s * {m} + j];\n    G[{op.BiasOffset} + j] += g;");
        cuda.Backward.Add(new CudaLaunchSpec(weights, Ceil(n * m, ElementThreads), "1", ElementThreads, 1, "0"));
        cuda.Backward.Add(new CudaLaunchSpec(bias, Ceil(m, ElementThreads), "1", ElementThreads, 1, "0"));
        if (op.InputDelta is not { } target) return;
        string inputs = $"{op.Layer}_input_gradient";
        cuda.Kernel(inputs, $"{op.Layer}: dz_prev = f′_prev(x) ⊙ (W dz); grid ⌈batch·{n}/{ElementThreads}⌉, block {ElementThreads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {n}) return;\n" +
            $"    const int s = i / {n}, k = i % {n}; const float* dz = {Buffer(op.Output, "D")} + s * {m};\n" +
            $"    float g = 0.0f;\n    for (int j = 0; j < {m}; ++j) g += P[{op.WeightOffset} + k * {m} + j] * dz[j];\n" +
            $"    ({Buffer(target, "D")})[i] = g * cn::derivative<{ActivationId(op.InputDerivative)}>(({Buffer(op.Input, "A")})[i], {Slope(op.InputDerivative)});");
        cuda.Backward.Add(ElementLaunch(inputs, n));
    }

    public static void SoftmaxForward(CudaProgramBuilder cuda, SoftmaxForwardOp softmax)
    {
        int w = softmax.Buffer.Width / softmax.Steps;
        string name = $"{softmax.Layer}_softmax";
        cuda.Kernel(name, $"{softmax.Layer}: softmax over {w} units; grid {Rows(softmax.Steps)}, block {RowThreads}, shared {w * 4} bytes",
            $"cn::softmax_forward<{w}, {RowThreads}>({Buffer(softmax.Buffer, "A")}, {Buffer(softmax.Buffer, "A")});");
        cuda.Forward(new CudaLaunchSpec(name, Rows(softmax.Steps), "1", RowThreads, 1, Int(w * 4)));
    }

    public static void Backward(CudaProgramBuilder cuda, DenseBackwardOp dense)
    {
        int n = dense.Input.Width / dense.Steps, m = dense.Output.Width / dense.Steps;
        string weights = $"{dense.Layer}_weight_gradient";
        cuda.Kernel(weights, $"{dense.Layer}: dW = dzᵀ x, db = Σ dz; grid (⌈{n}/{Tile}⌉, ⌈{m}/{Tile}⌉), block ({Tile}, {Tile})",
            $"cn::dense_weight_gradient<{Capacity(dense.Steps)}, {n}, {m}, {Tile}>({Buffer(dense.Output, "D")}, {Source(dense.Input, "A")}, G + {dense.WeightOffset}, G + {dense.BiasOffset});");
        cuda.Backward.Add(new CudaLaunchSpec(weights, Ceil(n, Tile), Ceil(m, Tile), Tile, Tile, "0"));
        if (!dense.PropagateToInput) return;
        string inputs = $"{dense.Layer}_input_gradient";
        cuda.Kernel(inputs, $"{dense.Layer}: dz_prev = f′_prev(x) ⊙ (dz W); grid (⌈{n}/{Tile}⌉, ⌈{Rows(dense.Steps)}/{Tile}⌉), block ({Tile}, {Tile})",
            $"cn::dense_input_gradient<{Capacity(dense.Steps)}, {n}, {m}, {ActivationId(dense.InputDerivative)}, {Tile}>({Buffer(dense.Output, "D")}, P + {dense.WeightOffset}, {Buffer(dense.Input, "A")}, {Buffer(dense.InputDelta, "D")}, {Slope(dense.InputDerivative)});");
        cuda.Backward.Add(new CudaLaunchSpec(inputs, Ceil(n, Tile), $"({Rows(dense.Steps)} + {Tile - 1}) / {Tile}", Tile, Tile, "0"));
    }

    public static void SoftmaxBackward(CudaProgramBuilder cuda, SoftmaxBackwardOp softmax)
    {
        int w = softmax.Buffer.Width / softmax.Steps;
        string name = $"{softmax.Layer}_softmax_backward";
        cuda.Kernel(name, $"{softmax.Layer}: through the softmax; grid {Rows(softmax.Steps)}, block {RowThreads}",
            $"cn::softmax_backward<{w}, {RowThreads}>({Buffer(softmax.Buffer, "A")}, {Buffer(softmax.Buffer, "D")});");
        cuda.Backward.Add(new CudaLaunchSpec(name, Rows(softmax.Steps), "1", RowThreads, 1, "0"));
    }
}
