using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.Convolution;

/// <summary>The CUDA C of the convolution ops (kernels/conv.cuh): direct convolution per output value, a block per weight for dW.</summary>
internal static class ConvolutionCuda
{
    public static void Forward(CudaProgramBuilder cuda, ConvForwardOp conv)
    {
        var c = conv.Window;
        string name = $"{conv.Layer}_forward";
        cuda.Kernel(name, $"{conv.Layer}: convolution [{c.InChannels}, {c.InHeight}, {c.InWidth}] → [{c.OutChannels}, {c.OutHeight}, {c.OutWidth}], {conv.Epilogue.Kind}; grid ⌈batch·{c.OutputSize}/{ElementThreads}⌉, block {ElementThreads}",
            $"cn::conv2d_forward<CN_BATCH, {ConvArguments(c)}, {ActivationId(conv.Epilogue)}>({Source(conv.Input, "A")}, P + {conv.WeightOffset}, P + {conv.BiasOffset}, {Buffer(conv.Output, "A")}, {Slope(conv.Epilogue)});");
        cuda.Forward(ElementLaunch(name, c.OutputSize));
    }

    public static void TransposedForward(CudaProgramBuilder cuda, ConvTransposeForwardOp convT)
    {
        var c = convT.Window;
        string name = $"{convT.Layer}_forward", bias = $"{convT.Layer}_bias_activation";
        int plane = c.InHeight * c.InWidth;
        cuda.Kernel(name, $"{convT.Layer}: transposed convolution [{c.OutChannels}, {c.OutHeight}, {c.OutWidth}] → [{c.InChannels}, {c.InHeight}, {c.InWidth}] (the convolution's data gradient); grid ⌈batch·{c.InputSize}/{ElementThreads}⌉, block {ElementThreads}",
            $"cn::conv2d_input_gradient<CN_BATCH, {ConvArguments(c)}, 0>({Source(convT.Input, "A")}, P + {convT.WeightOffset}, nullptr, {Buffer(convT.Output, "A")}, 0.0f);");
        cuda.Kernel(bias, $"{convT.Layer}: y = f(y + b[channel]); grid ⌈batch·{c.InputSize}/{ElementThreads}⌉, block {ElementThreads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {c.InputSize}) return;\n" +
            $"    float* y = {Buffer(convT.Output, "A")};\n    y[i] = cn::activate<{ActivationId(convT.Epilogue)}>(y[i] + P[{convT.BiasOffset} + (i / {plane}) % {c.InChannels}], {Slope(convT.Epilogue)});");
        foreach (var list in new[] { cuda.Inference, cuda.Training })
        {
            list.Add(ElementLaunch(name, c.InputSize));
            list.Add(ElementLaunch(bias, c.InputSize));
        }
    }

    public static void Backward(CudaProgramBuilder cuda, ConvBackwardOp conv)
    {
        var c = conv.Window;
        int taps = c.PatchLength;
        string weights = $"{conv.Layer}_weight_gradient";
        cuda.Kernel(weights, $"{conv.Layer}: dW, db, one block per weight (and a column of blocks for the biases); grid ({taps + 1}, {c.OutChannels}), block {ReduceThreads}",
            $"cn::conv2d_weight_gradient<CN_BATCH, {ConvArguments(c)}, {ReduceThreads}>({Buffer(conv.Output, "D")}, {Source(conv.Input, "A")}, G + {conv.WeightOffset}, G + {conv.BiasOffset});");
        cuda.Backward.Add(new CudaLaunchSpec(weights, Int(taps + 1), Int(c.OutChannels), ReduceThreads, 1, "0"));
        if (conv.InputDelta is not { } target) return;
        string inputs = $"{conv.Layer}_input_gradient";
        cuda.Kernel(inputs, $"{conv.Layer}: dz_prev = f′_prev ⊙ convᵀ(dz), one thread per input value; grid ⌈batch·{c.InputSize}/{ElementThreads}⌉, block {ElementThreads}",
            $"cn::conv2d_input_gradient<CN_BATCH, {ConvArguments(c)}, {ActivationId(conv.InputDerivative)}>({Buffer(conv.Output, "D")}, P + {conv.WeightOffset}, {Buffer(conv.Input, "A")}, {Buffer(target, "D")}, {Slope(conv.InputDerivative)});");
        cuda.Backward.Add(ElementLaunch(inputs, c.InputSize));
    }

    public static void TransposedBackward(CudaProgramBuilder cuda, ConvTransposeBackwardOp convT)
    {
        var c = convT.Window;
        int taps = c.PatchLength, plane = c.InHeight * c.InWidth;
        string discard = cuda.ReserveScratch(Int(c.OutChannels));
        string weights = $"{convT.Layer}_weight_gradient", bias = $"{convT.Layer}_bias_gradient";
        cuda.Kernel(weights, $"{convT.Layer}: dW as the convolution's weight gradient with dz and x swapped (its Σ x goes to scratch); grid ({taps + 1}, {c.OutChannels}), block {ReduceThreads}",
            $"cn::conv2d_weight_gradient<CN_BATCH, {ConvArguments(c)}, {ReduceThreads}>({Source(convT.Input, "A")}, {Buffer(convT.Output, "D")}, G + {convT.WeightOffset}, {discard});");
        cuda.Kernel(bias, $"{convT.Layer}: db[c] += Σ dz over the batch and channel c's plane; grid {c.InChannels}, block {ReduceThreads}",
            $"float sum = 0.0f; const float* dz = {Buffer(convT.Output, "D")};\n" +
            $"    for (int j = threadIdx.x; j < CN_BATCH * {plane}; j += {ReduceThreads}) sum += dz[((j / {plane}) * {c.InChannels} + blockIdx.x) * {plane} + j % {plane}];\n" +
            $"    sum = cn::block_reduce<{ReduceThreads}>(sum, cn::SumOp());\n    if (threadIdx.x == 0) G[{convT.BiasOffset} + blockIdx.x] += sum;");
        cuda.Backward.Add(new CudaLaunchSpec(weights, Int(taps + 1), Int(c.OutChannels), ReduceThreads, 1, "0"));
        cuda.Backward.Add(new CudaLaunchSpec(bias, Int(c.InChannels), "1", ReduceThreads, 1, "0"));
        if (convT.InputDelta is not { } target) return;
        string inputs = $"{convT.Layer}_input_gradient";
        cuda.Kernel(inputs, $"{convT.Layer}: dx = f′_prev ⊙ conv(dz) (no bias); grid ⌈batch·{c.OutputSize}/{ElementThreads}⌉, block {ElementThreads}",
            $"cn::conv2d_forward<CN_BATCH, {ConvArguments(c)}, 0, false>({Buffer(convT.Output, "D")}, P + {convT.WeightOffset}, nullptr, {Buffer(target, "D")}, 0.0f);" +
            (convT.InputDerivative.Kind == ActivationKind.Linear ? "" :
                $"\n    const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {c.OutputSize}) return;\n" +
                $"    ({Buffer(target, "D")})[i] *= cn::derivative<{ActivationId(convT.InputDerivative)}>(({Buffer(convT.Input, "A")})[i], {Slope(convT.InputDerivative)});"));
        cuda.Backward.Add(ElementLaunch(inputs, c.OutputSize));
    }
}
