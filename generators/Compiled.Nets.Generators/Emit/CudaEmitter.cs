using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Emit;

/// <summary>One kernel launch: grid and block sizes as C# expressions of <c>batch</c> (the batch capacity).</summary>
internal sealed record CudaLaunchSpec(string Kernel, string GridX, string GridY, int BlockX, int BlockY, string SharedBytes);

/// <summary>A network's CUDA translation unit and the launch sequences that run it.</summary>
internal sealed record CudaProgram(string Source, IReadOnlyList<CudaLaunchSpec> InferenceForward,
    IReadOnlyList<CudaLaunchSpec> TrainingForward, IReadOnlyList<CudaLaunchSpec> Loss, IReadOnlyList<CudaLaunchSpec> Backward,
    string ScratchLength);

/// <summary>
/// NetworkPlan → CUDA C: the building blocks of kernels/*.cuh (embedded), then one <c>extern "C"</c> kernel per
/// fused op with its shapes as template constants. The batch capacity is the macro CN_BATCH, defined when the
/// unit is compiled (NVRTC: -DCN_BATCH=64), so one source serves every batch size. Every kernel takes the same
/// arena pointers (CN_ARENAS), so one argument array serves every launch.
/// </summary>
internal static class CudaEmitter
{
    private const int Tile = 16;
    private const int RowThreads = 32;
    private const int ElementThreads = 256;
    private const int ReduceThreads = 128;

    /// <summary>The optimizer update kernels, each over the whole parameter arena; scalars come from K.</summary>
    public static readonly string[] UpdateKernels = { "update_sgd", "update_momentum", "update_nesterov", "update_adagrad", "update_rmsprop", "update_adadelta", "update_adam" };

    private static readonly string[] BlockFiles = { "activations.cuh", "reduce.cuh", "dense.cuh", "softmax.cuh", "losses.cuh", "layers.cuh", "conv.cuh", "pool.cuh", "optimizers.cuh" };

    private static readonly Lazy<string> Blocks = new(() =>
    {
        var text = new StringBuilder();
        var assembly = typeof(CudaEmitter).Assembly;
        foreach (string file in BlockFiles)
        {
            using var stream = assembly.GetManifestResourceStream("kernels/" + file)
                ?? throw new InvalidOperationException($"embedded kernel block {file} is missing");
            using var reader = new StreamReader(stream);
            text.Append("// ---- kernels/").Append(file).Append(" ----\n");
            foreach (string line in reader.ReadToEnd().Replace("\r\n", "\n").Split('\n'))
            {
                // The blocks are concatenated in dependency order, so their guards and includes go.
                string trimmed = line.TrimStart();
                if (trimmed.StartsWith("#pragma once", StringComparison.Ordinal) || trimmed.StartsWith("#include", StringComparison.Ordinal)) continue;
                text.Append(line).Append('\n');
            }
        }
        return text.ToString();
    });

    public static CudaProgram Emit(NetworkPlan plan)
    {
        var kernels = new StringBuilder();
        var inference = new List<CudaLaunchSpec>();
        var training = new List<CudaLaunchSpec>();
        var loss = new List<CudaLaunchSpec>();
        var backward = new List<CudaLaunchSpec>();
        int scratchFixed = plan.ScratchCount;
        var partialTerms = new List<string>();

        // Scratch beyond the fixed part: regions reserved in launch order, each a term of the scratch length.
        string ReserveScratch(string length)
        {
            string at = $"Z + {scratchFixed}" + (partialTerms.Count == 0 ? "" : " + " + string.Join(" + ", partialTerms.Select(t => t.Replace("batch", "CN_BATCH"))));
            partialTerms.Add(length);
            return at;
        }

        void Kernel(string name, string comment, string body)
        {
            kernels.Append("// ").Append(comment).Append('\n');
            kernels.Append("extern \"C\" __global__ void ").Append(name).Append("(CN_ARENAS)\n{\n    ").Append(body).Append("\n}\nCN_ENTRY(").Append(name).Append(")\n\n");
        }

        foreach (var op in plan.ForwardOps)
        {
            switch (op)
            {
                case DenseForwardOp dense:
                {
                    int n = dense.Input.Width, m = dense.Output.Width;
                    string name = $"{dense.Layer}_forward";
                    Kernel(name, $"{dense.Layer}: dense {n} → {m}, {dense.Epilogue.Kind}; grid (⌈{m}/{Tile}⌉, ⌈batch/{Tile}⌉), block ({Tile}, {Tile})",
                        $"cn::dense_forward<CN_BATCH, {n}, {m}, {ActivationId(dense.Epilogue)}, {Tile}>({Source(dense.Input, "A")}, P + {dense.WeightOffset}, P + {dense.BiasOffset}, {Buffer(dense.Output, "A")}, {Slope(dense.Epilogue)});");
                    var launch = new CudaLaunchSpec(name, Ceil(m, Tile), $"(batch + {Tile - 1}) / {Tile}", Tile, Tile, "0");
                    inference.Add(launch);
                    training.Add(launch);
                    break;
                }
                case SoftmaxForwardOp softmax:
                {
                    int w = softmax.Buffer.Width;
                    string name = $"{softmax.Layer}_softmax";
                    Kernel(name, $"{softmax.Layer}: softmax over {w} units; grid batch, block {RowThreads}, shared {w * 4} bytes",
                        $"cn::softmax_forward<{w}, {RowThreads}>({Buffer(softmax.Buffer, "A")}, {Buffer(softmax.Buffer, "A")});");
                    var launch = new CudaLaunchSpec(name, "batch", "1", RowThreads, 1, (w * 4).ToString(CultureInfo.InvariantCulture));
                    inference.Add(launch);
                    training.Add(launch);
                    break;
                }
                case DropoutForwardOp dropout:
                {
                    int w = dropout.Output.Width;
                    string mask = $"{dropout.Layer}_mask", apply = $"{dropout.Layer}_dropout", copy = $"{dropout.Layer}_identity";
                    float keep = 1f / (1f - dropout.Rate);
                    Kernel(mask, $"{dropout.Layer}: a fresh mask from a counter-based hash of (seed K[6], step K[7], index); grid ⌈batch·{w}/{ElementThreads}⌉, block {ElementThreads}",
                        $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n" +
                        $"    const float u = cn_uniform(static_cast<unsigned>(K[6]), static_cast<unsigned>(K[7]), static_cast<unsigned>(i + {dropout.Mask.Offset} * CN_BATCH));\n" +
                        $"    ({Buffer(dropout.Mask, "A")})[i] = u < {Float(dropout.Rate)} ? 0.0f : {Float(keep)};");
                    Kernel(apply, $"{dropout.Layer}: y = x ⊙ mask; grid ⌈batch·{w}/{ElementThreads}⌉, block {ElementThreads}",
                        $"cn::dropout_forward<CN_BATCH * {w}>({Source(dropout.Input, "A")}, {Buffer(dropout.Mask, "A")}, {Buffer(dropout.Output, "A")});");
                    Kernel(copy, $"{dropout.Layer}: identity at inference; grid ⌈batch·{w}/{ElementThreads}⌉, block {ElementThreads}",
                        $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < CN_BATCH * {w}) ({Buffer(dropout.Output, "A")})[i] = ({Source(dropout.Input, "A")})[i];");
                    string grid = $"(batch * {w} + {ElementThreads - 1}) / {ElementThreads}";
                    training.Add(new CudaLaunchSpec(mask, grid, "1", ElementThreads, 1, "0"));
                    training.Add(new CudaLaunchSpec(apply, grid, "1", ElementThreads, 1, "0"));
                    inference.Add(new CudaLaunchSpec(copy, grid, "1", ElementThreads, 1, "0"));
                    break;
                }
                case PReLUForwardOp prelu:
                {
                    int w = prelu.Output.Width;
                    string name = $"{prelu.Layer}_forward";
                    Kernel(name, $"{prelu.Layer}: PReLU; grid ⌈batch·{w}/{ElementThreads}⌉, block {ElementThreads}",
                        $"cn::prelu_forward<CN_BATCH * {w}>({Source(prelu.Input, "A")}, {Buffer(prelu.Output, "A")}, P + {prelu.SlopeOffset});");
                    var launch = new CudaLaunchSpec(name, $"(batch * {w} + {ElementThreads - 1}) / {ElementThreads}", "1", ElementThreads, 1, "0");
                    inference.Add(launch);
                    training.Add(launch);
                    break;
                }
                case BatchNormForwardOp norm:
                {
                    int f = norm.Channels, all = norm.Output.Width;
                    string train = $"{norm.Layer}_forward_training", infer = $"{norm.Layer}_forward_inference";
                    Kernel(train, $"{norm.Layer}: batch normalisation with batch statistics; grid ⌈{f}/{RowThreads}⌉, block {RowThreads}",
                        $"cn::batchnorm_forward_training<CN_BATCH, {f}, {ActivationId(norm.Activation)}{PlaneArgument(norm.Plane)}>({Source(norm.Input, "A")}, {Buffer(norm.Output, "A")}, {Buffer(norm.Normalized, "A")}, " +
                        $"P + {norm.GammaOffset}, P + {norm.BetaOffset}, S + {norm.StateOffset}, S + {norm.StateOffset + f}, Z + {norm.ScratchOffset}, {Float(norm.Momentum)}, {Float(norm.Epsilon)}, {Slope(norm.Activation)});");
                    Kernel(infer, $"{norm.Layer}: batch normalisation with running statistics; grid ⌈batch·{all}/{ElementThreads}⌉, block {ElementThreads}",
                        $"cn::batchnorm_forward_inference<CN_BATCH, {f}, {ActivationId(norm.Activation)}{PlaneArgument(norm.Plane)}>({Source(norm.Input, "A")}, {Buffer(norm.Output, "A")}, " +
                        $"P + {norm.GammaOffset}, P + {norm.BetaOffset}, S + {norm.StateOffset}, S + {norm.StateOffset + f}, {Float(norm.Epsilon)}, {Slope(norm.Activation)});");
                    training.Add(new CudaLaunchSpec(train, Ceil(f, RowThreads), "1", RowThreads, 1, "0"));
                    inference.Add(new CudaLaunchSpec(infer, $"(batch * {all} + {ElementThreads - 1}) / {ElementThreads}", "1", ElementThreads, 1, "0"));
                    break;
                }
                case ConvForwardOp conv:
                {
                    var c = conv.Window;
                    string name = $"{conv.Layer}_forward";
                    Kernel(name, $"{conv.Layer}: convolution [{c.InChannels}, {c.InHeight}, {c.InWidth}] → [{c.OutChannels}, {c.OutHeight}, {c.OutWidth}], {conv.Epilogue.Kind}; grid ⌈batch·{c.OutputSize}/{ElementThreads}⌉, block {ElementThreads}",
                        $"cn::conv2d_forward<CN_BATCH, {ConvArguments(c)}, {ActivationId(conv.Epilogue)}>({Source(conv.Input, "A")}, P + {conv.WeightOffset}, P + {conv.BiasOffset}, {Buffer(conv.Output, "A")}, {Slope(conv.Epilogue)});");
                    var launch = new CudaLaunchSpec(name, Elements(c.OutputSize), "1", ElementThreads, 1, "0");
                    inference.Add(launch);
                    training.Add(launch);
                    break;
                }
                case ConvTransposeForwardOp convT:
                {
                    var c = convT.Window;
                    string name = $"{convT.Layer}_forward", bias = $"{convT.Layer}_bias_activation";
                    int plane = c.InHeight * c.InWidth;
                    Kernel(name, $"{convT.Layer}: transposed convolution [{c.OutChannels}, {c.OutHeight}, {c.OutWidth}] → [{c.InChannels}, {c.InHeight}, {c.InWidth}] (the convolution's data gradient); grid ⌈batch·{c.InputSize}/{ElementThreads}⌉, block {ElementThreads}",
                        $"cn::conv2d_input_gradient<CN_BATCH, {ConvArguments(c)}, 0>({Source(convT.Input, "A")}, P + {convT.WeightOffset}, nullptr, {Buffer(convT.Output, "A")}, 0.0f);");
                    Kernel(bias, $"{convT.Layer}: y = f(y + b[channel]); grid ⌈batch·{c.InputSize}/{ElementThreads}⌉, block {ElementThreads}",
                        $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {c.InputSize}) return;\n" +
                        $"    float* y = {Buffer(convT.Output, "A")};\n    y[i] = cn::activate<{ActivationId(convT.Epilogue)}>(y[i] + P[{convT.BiasOffset} + (i / {plane}) % {c.InChannels}], {Slope(convT.Epilogue)});");
                    foreach (var list in new[] { inference, training })
                    {
                        list.Add(new CudaLaunchSpec(name, Elements(c.InputSize), "1", ElementThreads, 1, "0"));
                        list.Add(new CudaLaunchSpec(bias, Elements(c.InputSize), "1", ElementThreads, 1, "0"));
                    }
                    break;
                }
                case PoolForwardOp pool:
                {
                    var c = pool.Window;
                    string name = $"{pool.Layer}_{(pool.Kind == PoolKind.Max ? "maxpool" : pool.Kind == PoolKind.Average ? "avgpool" : "global_avgpool")}";
                    CudaLaunchSpec launch;
                    switch (pool.Kind)
                    {
                        case PoolKind.Max:
                            Kernel(name, $"{pool.Layer}: max pooling {c.KernelHeight}×{c.KernelWidth}, stride {c.StrideWidth}, switches kept; grid ⌈batch·{c.OutputSize}/{ElementThreads}⌉, block {ElementThreads}",
                                $"cn::maxpool2d_forward<CN_BATCH, {PoolArguments(c)}>({Source(pool.Input, "A")}, {Buffer(pool.Output, "A")}, {Switches(pool.Switches!)});");
                            launch = new CudaLaunchSpec(name, Elements(c.OutputSize), "1", ElementThreads, 1, "0");
                            break;
                        case PoolKind.Average:
                            Kernel(name, $"{pool.Layer}: average pooling {c.KernelHeight}×{c.KernelWidth}, stride {c.StrideWidth}; grid ⌈batch·{c.OutputSize}/{ElementThreads}⌉, block {ElementThreads}",
                                $"cn::avgpool2d_forward<CN_BATCH, {PoolArguments(c)}>({Source(pool.Input, "A")}, {Buffer(pool.Output, "A")});");
                            launch = new CudaLaunchSpec(name, Elements(c.OutputSize), "1", ElementThreads, 1, "0");
                            break;
                        default:
                            Kernel(name, $"{pool.Layer}: global average of {c.InChannels} channels; grid batch·{c.InChannels}, block {ReduceThreads}",
                                $"cn::global_avgpool_forward<CN_BATCH, {c.InChannels}, {c.InHeight}, {c.InWidth}, {ReduceThreads}>({Source(pool.Input, "A")}, {Buffer(pool.Output, "A")});");
                            launch = new CudaLaunchSpec(name, $"batch * {c.InChannels}", "1", ReduceThreads, 1, "0");
                            break;
                    }
                    inference.Add(launch);
                    training.Add(launch);
                    break;
                }
                case UnpoolForwardOp unpool:
                {
                    var c = unpool.Window;
                    string name = $"{unpool.Layer}_unpool";
                    Kernel(name, $"{unpool.Layer}: max-unpooling with the pooling's switches; grid ⌈batch·{c.InputSize}/{ElementThreads}⌉, block {ElementThreads}",
                        $"cn::max_unpool2d_forward<CN_BATCH, {PoolArguments(c)}>({Source(unpool.Input, "A")}, {Switches(unpool.Switches)}, {Buffer(unpool.Output, "A")});");
                    var launch = new CudaLaunchSpec(name, Elements(c.InputSize), "1", ElementThreads, 1, "0");
                    inference.Add(launch);
                    training.Add(launch);
                    break;
                }
                case AddForwardOp add:
                {
                    int w = add.Output.Width;
                    string name = $"{add.Layer}_add";
                    string sum = string.Join(" + ", add.Inputs.Select(b => $"({Source(b, "A")})[i]"));
                    Kernel(name, $"{add.Layer}: y = f(Σ inputs); grid ⌈batch·{w}/{ElementThreads}⌉, block {ElementThreads}",
                        $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n" +
                        $"    ({Buffer(add.Output, "A")})[i] = cn::activate<{ActivationId(add.Activation)}>({sum}, {Slope(add.Activation)});");
                    var launch = new CudaLaunchSpec(name, Elements(w), "1", ElementThreads, 1, "0");
                    inference.Add(launch);
                    training.Add(launch);
                    break;
                }
                case ConcatForwardOp concat:
                {
                    int offset = 0;
                    for (int k = 0; k < concat.Inputs.Count; k++)
                    {
                        var part = concat.Inputs[k];
                        string name = $"{concat.Layer}_concat_{k}";
                        Kernel(name, $"{concat.Layer}: input {k} into columns [{offset}, {offset + part.Width}) of {concat.Output.Width}; grid ⌈batch·{part.Width}/{ElementThreads}⌉, block {ElementThreads}",
                            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {part.Width}) return;\n" +
                            $"    ({Buffer(concat.Output, "A")})[(i / {part.Width}) * {concat.Output.Width} + {offset} + i % {part.Width}] = ({Source(part, "A")})[i];");
                        var launch = new CudaLaunchSpec(name, Elements(part.Width), "1", ElementThreads, 1, "0");
                        inference.Add(launch);
                        training.Add(launch);
                        offset += part.Width;
                    }
                    break;
                }
            }
        }

        if (plan.LossOp is { } lossOp)
        {
            int w = lossOp.Output.Width;
            string y = Buffer(lossOp.Output, "A"), dz = Buffer(lossOp.Output, "D");
            string call = lossOp.Fusion switch
            {
                LossFusion.MeanSquaredError => $"cn::mse_loss<CN_BATCH, {w}, {ActivationId(lossOp.Derivative)}, {RowThreads}>({y}, T, W, {dz}, L, {Slope(lossOp.Derivative)});",
                LossFusion.BinaryCrossEntropy => $"cn::bce_loss<CN_BATCH, {w}, {ActivationId(lossOp.Derivative)}, {RowThreads}>({y}, T, W, {dz}, L, {Slope(lossOp.Derivative)});",
                LossFusion.BinaryCrossEntropyLogistic => $"cn::bce_logistic_loss<CN_BATCH, {w}, {RowThreads}>({y}, T, W, {dz}, L, {Float(lossOp.LogisticSlope)});",
                LossFusion.SoftmaxCrossEntropyOnProbabilities => $"cn::softmax_ce_probabilities_loss<CN_BATCH, {w}, {RowThreads}>({y}, T, W, {dz}, L);",
                _ => $"cn::softmax_ce_logits_loss<CN_BATCH, {w}, {ActivationId(lossOp.Derivative)}, {RowThreads}>({y}, T, W, {dz}, L, {Slope(lossOp.Derivative)});",
            };
            Kernel("loss", $"{lossOp.Kind}: per-sample losses into L[0..batch), the output delta into D; grid batch, block {RowThreads}", call);
            Kernel("loss_mean", $"the batch's (weighted) mean loss into L[batch]; grid 1, block {RowThreads}",
                $"cn::loss_mean<CN_BATCH, {RowThreads}>(L, W, L + CN_BATCH);");
            loss.Add(new CudaLaunchSpec("loss", "batch", "1", RowThreads, 1, "0"));
            loss.Add(new CudaLaunchSpec("loss_mean", "1", "1", RowThreads, 1, "0"));
        }

        foreach (var op in plan.BackwardOps)
        {
            switch (op)
            {
                case DenseBackwardOp dense:
                {
                    int n = dense.Input.Width, m = dense.Output.Width;
                    string weights = $"{dense.Layer}_weight_gradient";
                    Kernel(weights, $"{dense.Layer}: dW = dzᵀ x, db = Σ dz; grid (⌈{n}/{Tile}⌉, ⌈{m}/{Tile}⌉), block ({Tile}, {Tile})",
                        $"cn::dense_weight_gradient<CN_BATCH, {n}, {m}, {Tile}>({Buffer(dense.Output, "D")}, {Source(dense.Input, "A")}, G + {dense.WeightOffset}, G + {dense.BiasOffset});");
                    backward.Add(new CudaLaunchSpec(weights, Ceil(n, Tile), Ceil(m, Tile), Tile, Tile, "0"));
                    if (!dense.PropagateToInput) break;
                    string inputs = $"{dense.Layer}_input_gradient";
                    Kernel(inputs, $"{dense.Layer}: dz_prev = f′_prev(x) ⊙ (dz W); grid (⌈{n}/{Tile}⌉, ⌈batch/{Tile}⌉), block ({Tile}, {Tile})",
                        $"cn::dense_input_gradient<CN_BATCH, {n}, {m}, {ActivationId(dense.InputDerivative)}, {Tile}>({Buffer(dense.Output, "D")}, P + {dense.WeightOffset}, {Buffer(dense.Input, "A")}, {Buffer(dense.InputDelta, "D")}, {Slope(dense.InputDerivative)});");
                    backward.Add(new CudaLaunchSpec(inputs, Ceil(n, Tile), $"(batch + {Tile - 1}) / {Tile}", Tile, Tile, "0"));
                    break;
                }
                case SoftmaxBackwardOp softmax:
                {
                    int w = softmax.Buffer.Width;
                    string name = $"{softmax.Layer}_softmax_backward";
                    Kernel(name, $"{softmax.Layer}: through the softmax; grid batch, block {RowThreads}",
                        $"cn::softmax_backward<{w}, {RowThreads}>({Buffer(softmax.Buffer, "A")}, {Buffer(softmax.Buffer, "D")});");
                    backward.Add(new CudaLaunchSpec(name, "batch", "1", RowThreads, 1, "0"));
                    break;
                }
                case DropoutBackwardOp dropout:
                {
                    int w = dropout.Output.Width;
                    string name = $"{dropout.Layer}_backward";
                    Kernel(name, $"{dropout.Layer}: back through the mask; grid ⌈batch·{w}/{ElementThreads}⌉, block {ElementThreads}",
                        $"cn::dropout_backward<CN_BATCH * {w}, {ActivationId(dropout.InputDerivative)}>({Buffer(dropout.Output, "D")}, {Buffer(dropout.Mask, "A")}, {Buffer(dropout.Input, "A")}, {Buffer(dropout.InputDelta, "D")}, {Slope(dropout.InputDerivative)});");
                    backward.Add(new CudaLaunchSpec(name, $"(batch * {w} + {ElementThreads - 1}) / {ElementThreads}", "1", ElementThreads, 1, "0"));
                    break;
                }
                case PReLUBackwardOp prelu:
                {
                    int w = prelu.Output.Width;
                    // Per-block partial sums of ∂L/∂a live after the fixed scratch; a one-block sum finishes them in order.
                    string partials = $"Z + {scratchFixed}" + (partialTerms.Count == 0 ? "" : " + " + string.Join(" + ", partialTerms.Select(t => t.Replace("batch", "CN_BATCH"))));
                    string blocks = $"(batch * {w} + {ElementThreads - 1}) / {ElementThreads}";
                    string name = $"{prelu.Layer}_backward", sum = $"{prelu.Layer}_slope_gradient";
                    Kernel(name, $"{prelu.Layer}: partial ∂L/∂a per block{(prelu.PropagateToInput ? " and dx" : "")}; grid ⌈batch·{w}/{ElementThreads}⌉, block {ElementThreads}",
                        $"cn::prelu_backward<CN_BATCH * {w}, {ElementThreads}, {ActivationId(prelu.InputDerivative)}, {(prelu.PropagateToInput ? "true" : "false")}>(" +
                        $"{Buffer(prelu.Output, "D")}, {Source(prelu.Input, "A")}, P + {prelu.SlopeOffset}, {partials}, {(prelu.PropagateToInput ? Buffer(prelu.InputDelta, "D") : "nullptr")}, {Slope(prelu.InputDerivative)});");
                    Kernel(sum, $"{prelu.Layer}: ∂L/∂a = the partial sums, in order; grid 1, block {RowThreads}",
                        $"cn::reduce_sum<(CN_BATCH * {w} + {ElementThreads - 1}) / {ElementThreads}, {RowThreads}>({partials}, G + {prelu.SlopeOffset});");
                    backward.Add(new CudaLaunchSpec(name, blocks, "1", ElementThreads, 1, "0"));
                    backward.Add(new CudaLaunchSpec(sum, "1", "1", RowThreads, 1, "0"));
                    partialTerms.Add(blocks);
                    break;
                }
                case BatchNormBackwardOp norm:
                {
                    int f = norm.Channels;
                    string name = $"{norm.Layer}_backward";
                    Kernel(name, $"{norm.Layer}: dγ, dβ{(norm.PropagateToInput ? ", dx" : "")}; grid ⌈{f}/{RowThreads}⌉, block {RowThreads}",
                        $"cn::batchnorm_backward<CN_BATCH, {f}, {ActivationId(norm.Activation)}, {ActivationId(norm.InputDerivative)}, {(norm.PropagateToInput ? "true" : "false")}{PlaneArgument(norm.Plane)}>(" +
                        $"{Buffer(norm.Output, "D")}, {Buffer(norm.Output, "A")}, {Buffer(norm.Normalized, "A")}, P + {norm.GammaOffset}, Z + {norm.ScratchOffset}, " +
                        $"G + {norm.GammaOffset}, G + {norm.BetaOffset}, {(norm.PropagateToInput ? Buffer(norm.Input, "A") : "nullptr")}, {(norm.PropagateToInput ? Buffer(norm.InputDelta, "D") : "nullptr")}, " +
                        $"{Slope(norm.Activation)}, {Slope(norm.InputDerivative)});");
                    backward.Add(new CudaLaunchSpec(name, Ceil(f, RowThreads), "1", RowThreads, 1, "0"));
                    break;
                }
                case ConvBackwardOp conv:
                {
                    var c = conv.Window;
                    int taps = c.PatchLength;
                    string weights = $"{conv.Layer}_weight_gradient";
                    Kernel(weights, $"{conv.Layer}: dW, db, one block per weight (and a column of blocks for the biases); grid ({taps + 1}, {c.OutChannels}), block {ReduceThreads}",
                        $"cn::conv2d_weight_gradient<CN_BATCH, {ConvArguments(c)}, {ReduceThreads}>({Buffer(conv.Output, "D")}, {Source(conv.Input, "A")}, G + {conv.WeightOffset}, G + {conv.BiasOffset});");
                    backward.Add(new CudaLaunchSpec(weights, (taps + 1).ToString(CultureInfo.InvariantCulture), c.OutChannels.ToString(CultureInfo.InvariantCulture), ReduceThreads, 1, "0"));
                    if (conv.InputDelta is not { } target) break;
                    string inputs = $"{conv.Layer}_input_gradient";
                    Kernel(inputs, $"{conv.Layer}: dz_prev = f′_prev ⊙ convᵀ(dz), one thread per input value; grid ⌈batch·{c.InputSize}/{ElementThreads}⌉, block {ElementThreads}",
                        $"cn::conv2d_input_gradient<CN_BATCH, {ConvArguments(c)}, {ActivationId(conv.InputDerivative)}>({Buffer(conv.Output, "D")}, P + {conv.WeightOffset}, {Buffer(conv.Input, "A")}, {Buffer(target, "D")}, {Slope(conv.InputDerivative)});");
                    backward.Add(new CudaLaunchSpec(inputs, Elements(c.InputSize), "1", ElementThreads, 1, "0"));
                    break;
                }
                case ConvTransposeBackwardOp convT:
                {
                    var c = convT.Window;
                    int taps = c.PatchLength, plane = c.InHeight * c.InWidth;
                    string discard = ReserveScratch(c.OutChannels.ToString(CultureInfo.InvariantCulture));
                    string weights = $"{convT.Layer}_weight_gradient", bias = $"{convT.Layer}_bias_gradient";
                    Kernel(weights, $"{convT.Layer}: dW as the convolution's weight gradient with dz and x swapped (its Σ x goes to scratch); grid ({taps + 1}, {c.OutChannels}), block {ReduceThreads}",
                        $"cn::conv2d_weight_gradient<CN_BATCH, {ConvArguments(c)}, {ReduceThreads}>({Source(convT.Input, "A")}, {Buffer(convT.Output, "D")}, G + {convT.WeightOffset}, {discard});");
                    Kernel(bias, $"{convT.Layer}: db[c] = Σ dz over the batch and channel c's plane; grid {c.InChannels}, block {ReduceThreads}",
                        $"float sum = 0.0f; const float* dz = {Buffer(convT.Output, "D")};\n" +
                        $"    for (int j = threadIdx.x; j < CN_BATCH * {plane}; j += {ReduceThreads}) sum += dz[((j / {plane}) * {c.InChannels} + blockIdx.x) * {plane} + j % {plane}];\n" +
                        $"    sum = cn::block_reduce<{ReduceThreads}>(sum, cn::SumOp());\n    if (threadIdx.x == 0) G[{convT.BiasOffset} + blockIdx.x] += sum;");
                    backward.Add(new CudaLaunchSpec(weights, (taps + 1).ToString(CultureInfo.InvariantCulture), c.OutChannels.ToString(CultureInfo.InvariantCulture), ReduceThreads, 1, "0"));
                    backward.Add(new CudaLaunchSpec(bias, c.InChannels.ToString(CultureInfo.InvariantCulture), "1", ReduceThreads, 1, "0"));
                    if (convT.InputDelta is not { } target) break;
                    string inputs = $"{convT.Layer}_input_gradient";
                    Kernel(inputs, $"{convT.Layer}: dx = f′_prev ⊙ conv(dz) (no bias); grid ⌈batch·{c.OutputSize}/{ElementThreads}⌉, block {ElementThreads}",
                        $"cn::conv2d_forward<CN_BATCH, {ConvArguments(c)}, 0, false>({Buffer(convT.Output, "D")}, P + {convT.WeightOffset}, nullptr, {Buffer(target, "D")}, 0.0f);" +
                        (convT.InputDerivative.Kind == ActivationKind.Linear ? "" :
                            $"\n    const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {c.OutputSize}) return;\n" +
                            $"    ({Buffer(target, "D")})[i] *= cn::derivative<{ActivationId(convT.InputDerivative)}>(({Buffer(convT.Input, "A")})[i], {Slope(convT.InputDerivative)});"));
                    backward.Add(new CudaLaunchSpec(inputs, Elements(c.OutputSize), "1", ElementThreads, 1, "0"));
                    break;
                }
                case PoolBackwardOp pool:
                {
                    var c = pool.Window;
                    string name = $"{pool.Layer}_{(pool.Kind == PoolKind.Max ? "maxpool" : pool.Kind == PoolKind.Average ? "avgpool" : "global_avgpool")}_backward";
                    string yPrev = pool.InputDerivative.Kind == ActivationKind.Linear ? "nullptr" : Buffer(pool.Input, "A");
                    string call = pool.Kind switch
                    {
                        PoolKind.Max => $"cn::maxpool2d_backward<CN_BATCH, {PoolArguments(c)}, {ActivationId(pool.InputDerivative)}>({Buffer(pool.Output, "D")}, {Switches(pool.Switches!)}, {yPrev}, {Buffer(pool.InputDelta, "D")}, {Slope(pool.InputDerivative)});",
                        PoolKind.Average => $"cn::avgpool2d_backward<CN_BATCH, {PoolArguments(c)}, {ActivationId(pool.InputDerivative)}>({Buffer(pool.Output, "D")}, {yPrev}, {Buffer(pool.InputDelta, "D")}, {Slope(pool.InputDerivative)});",
                        _ => $"cn::global_avgpool_backward<CN_BATCH, {c.InChannels}, {c.InHeight}, {c.InWidth}, {ActivationId(pool.InputDerivative)}>({Buffer(pool.Output, "D")}, {yPrev}, {Buffer(pool.InputDelta, "D")}, {Slope(pool.InputDerivative)});",
                    };
                    Kernel(name, $"{pool.Layer}: the pooling's gradient, one thread per input value; grid ⌈batch·{c.InputSize}/{ElementThreads}⌉, block {ElementThreads}", call);
                    backward.Add(new CudaLaunchSpec(name, Elements(c.InputSize), "1", ElementThreads, 1, "0"));
                    break;
                }
                case UnpoolBackwardOp unpool:
                {
                    var c = unpool.Window;
                    string name = $"{unpool.Layer}_unpool_backward";
                    string yPrev = unpool.InputDerivative.Kind == ActivationKind.Linear ? "nullptr" : Buffer(unpool.Input, "A");
                    Kernel(name, $"{unpool.Layer}: dx = dy at each value's switch; grid ⌈batch·{c.OutputSize}/{ElementThreads}⌉, block {ElementThreads}",
                        $"cn::max_unpool2d_backward<CN_BATCH, {PoolArguments(c)}, {ActivationId(unpool.InputDerivative)}>({Buffer(unpool.Output, "D")}, {Switches(unpool.Switches)}, {yPrev}, {Buffer(unpool.InputDelta, "D")}, {Slope(unpool.InputDerivative)});");
                    backward.Add(new CudaLaunchSpec(name, Elements(c.OutputSize), "1", ElementThreads, 1, "0"));
                    break;
                }
                case AddBackwardOp or ConcatBackwardOp:
                {
                    var (layer, output, parts) = op switch
                    {
                        AddBackwardOp a => (a.Layer, a.Output, a.Inputs),
                        ConcatBackwardOp c => (c.Layer, c.Output, c.Inputs),
                        _ => throw new InvalidOperationException(),
                    };
                    bool concat = op is ConcatBackwardOp;
                    int offset = 0;
                    for (int k = 0; k < parts.Count; k++)
                    {
                        var part = parts[k];
                        int w = part.Input.Width;
                        if (part.InputDelta is { } target)
                        {
                            string name = $"{layer}_{(concat ? "concat" : "add")}_backward_{k}";
                            string dy = concat ? $"({Buffer(output, "D")})[(i / {w}) * {output.Width} + {offset} + i % {w}]" : $"({Buffer(output, "D")})[i]";
                            string value = part.InputDerivative.Kind == ActivationKind.Linear ? dy
                                : $"{dy} * cn::derivative<{ActivationId(part.InputDerivative)}>(({Buffer(part.Input, "A")})[i], {Slope(part.InputDerivative)})";
                            Kernel(name, $"{layer}: the gradient into input {k}; grid ⌈batch·{w}/{ElementThreads}⌉, block {ElementThreads}",
                                $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n    ({Buffer(target, "D")})[i] = {value};");
                            backward.Add(new CudaLaunchSpec(name, Elements(w), "1", ElementThreads, 1, "0"));
                        }
                        offset += w;
                    }
                    break;
                }
                case GradientSumOp sum:
                {
                    int w = sum.Target.Width;
                    string name = $"{sum.Layer}_gradient_sum";
                    string terms = string.Join(" + ", sum.Contributions.Select(b => $"({Buffer(b, "D")})[i]"));
                    Kernel(name, $"{sum.Layer}: its delta plus the gradients of its other readers; grid ⌈batch·{w}/{ElementThreads}⌉, block {ElementThreads}",
                        $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n    ({Buffer(sum.Target, "D")})[i] += {terms};");
                    backward.Add(new CudaLaunchSpec(name, Elements(w), "1", ElementThreads, 1, "0"));
                    break;
                }
            }
        }

        if (!plan.Regularization.IsEmpty)
        {
            // L1/L2: the penalty joins the mean loss in L[batch]; its gradient joins G after the backward pass.
            var value = new StringBuilder("float v = 0.0f;\n");
            foreach (var range in plan.Regularization)
                value.Append($"    for (int i = threadIdx.x; i < {range.Count}; i += {ElementThreads}) {{ const float w = P[{range.Offset} + i]; v += {Float(range.L1)} * fabsf(w) + {Float(0.5f * range.L2)} * w * w; }} // {range.Layer}\n");
            value.Append($"    v = cn::block_reduce<{ElementThreads}>(v, cn::SumOp());\n    if (threadIdx.x == 0) L[CN_BATCH] += v;");
            Kernel("penalty_value", $"λ₁ Σ|w| + (λ₂/2) Σ w² over the penalised ranges, added to the mean loss; grid 1, block {ElementThreads}", value.ToString());
            loss.Add(new CudaLaunchSpec("penalty_value", "1", "1", ElementThreads, 1, "0"));
            for (int r = 0; r < plan.Regularization.Count; r++)
            {
                var range = plan.Regularization[r];
                string name = $"penalty_gradient_{r}";
                Kernel(name, $"{range.Layer}: g += λ₁ sign(w) + λ₂ w over {range.Count} parameters; grid ⌈{range.Count}/{ElementThreads}⌉, block {ElementThreads}",
                    $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= {range.Count}) return;\n" +
                    $"    const float w = P[{range.Offset} + i];\n    G[{range.Offset} + i] += {Float(range.L1)} * static_cast<float>((w > 0.0f) - (w < 0.0f)) + {Float(range.L2)} * w;");
                backward.Add(new CudaLaunchSpec(name, Ceil(range.Count, ElementThreads), "1", ElementThreads, 1, "0"));
            }
        }

        if (plan.Training == TrainingRuleKind.GradientDescent)
        {
            int count = plan.ParameterCount;
            // K: [0] learning rate, [1] momentum / α / ρ / β₁, [2] ε or β₂, [3] ε (Adam), [4] Adam's step size, [5] √(1 − β₂ᵗ).
            Kernel("update_sgd", "p ← p − η g; grid ⌈P/256⌉, block 256", $"cn::sgd<{count}>(P, G, K[0]);");
            Kernel("update_momentum", "SGD with momentum (state: the buffer); grid ⌈P/256⌉, block 256", $"cn::sgd_momentum<{count}, false>(P, G, O, K[0], K[1]);");
            Kernel("update_nesterov", "SGD with Nesterov momentum; grid ⌈P/256⌉, block 256", $"cn::sgd_momentum<{count}, true>(P, G, O, K[0], K[1]);");
            Kernel("update_adagrad", "AdaGrad; grid ⌈P/256⌉, block 256", $"cn::adagrad<{count}>(P, G, O, K[0], K[2]);");
            Kernel("update_rmsprop", "RMSProp; grid ⌈P/256⌉, block 256", $"cn::rmsprop<{count}>(P, G, O, K[0], K[1], K[2]);");
            Kernel("update_adadelta", "AdaDelta (state: two arenas); grid ⌈P/256⌉, block 256", $"cn::adadelta<{count}>(P, G, O, K[0], K[1], K[2]);");
            Kernel("update_adam", "Adam with bias correction (state: m then v); grid ⌈P/256⌉, block 256", $"cn::adam<{count}>(P, G, O, K[4], K[5], K[1], K[2], K[3]);");
        }

        var source = new StringBuilder();
        source.Append("// <auto-generated/> CUDA C of the network ").Append(plan.Type.Name).Append(", emitted by Compiled.Nets from its NetworkPlan.\n");
        source.Append("// Compile with CN_BATCH defined as the batch capacity (NVRTC: -DCN_BATCH=64), after cn_nvrtc.h\n");
        source.Append("// (clang: -include cn_prelude.h; CPU emulation: -include cn_emulation.h).\n");
        source.Append("#ifndef CN_BATCH\n#error \"define CN_BATCH, the batch capacity\"\n#endif\n\n");
        source.Append(Blocks.Value).Append('\n');
        source.Append("// ---- ").Append(plan.Type.Name).Append(" ----\n");
        source.Append("// Arenas (floats): P parameters, G gradients, A activations and D deltas (offset·CN_BATCH per buffer),\n");
        source.Append("// S running statistics, Z scratch, X inputs, T targets, W sample weights (may be null), L per-sample losses\n");
        source.Append("// and their mean at L[CN_BATCH], O optimizer state, K scalars (learning rate, optimizer constants, dropout seed, step).\n");
        source.Append("#define CN_ARENAS float* P, float* G, float* A, float* D, float* S, float* Z, const float* X, const float* T, const float* W, float* L, float* O, const float* K\n\n");
        source.Append("// A counter-based uniform in [0, 1) for dropout masks: no RNG state to carry between launches.\n");
        source.Append("__device__ __forceinline__ float cn_uniform(unsigned seed, unsigned step, unsigned index)\n{\n");
        source.Append("    unsigned h = seed * 0x9E3779B9u ^ (step + 0x7F4A7C15u) * 0x85EBCA6Bu ^ index * 0xC2B2AE35u;\n");
        source.Append("    h ^= h >> 16; h *= 0x7FEB352Du; h ^= h >> 15; h *= 0x846CA68Bu; h ^= h >> 16;\n");
        source.Append("    return (h >> 8) * (1.0f / 16777216.0f);\n}\n\n");
        source.Append(kernels);
        string scratch = partialTerms.Count == 0 ? scratchFixed.ToString(CultureInfo.InvariantCulture) : $"{scratchFixed} + {string.Join(" + ", partialTerms)}";
        return new CudaProgram(source.ToString(), inference, training, loss, backward, scratch);
    }

    private static string PlaneArgument(int plane) => plane == 1 ? "" : $", {plane}";

    private static string ConvArguments(Window2D c) =>
        $"{c.InChannels}, {c.InHeight}, {c.InWidth}, {c.OutChannels}, {c.KernelHeight}, {c.KernelWidth}, {c.StrideHeight}, {c.StrideWidth}, {c.PadHeight}, {c.PadWidth}, {c.Groups}";

    private static string PoolArguments(Window2D c) =>
        $"{c.InChannels}, {c.InHeight}, {c.InWidth}, {c.KernelHeight}, {c.KernelWidth}, {c.StrideHeight}, {c.StrideWidth}, {c.PadHeight}, {c.PadWidth}";

    private static string Elements(int perSample) => $"(batch * {perSample} + {ElementThreads - 1}) / {ElementThreads}";

    private static string Switches(BufferRef buffer) => $"reinterpret_cast<int*>({Buffer(buffer, "A")})";

    private static string Ceil(int value, int by) => ((value + by - 1) / by).ToString(CultureInfo.InvariantCulture);

    private static string Buffer(BufferRef buffer, string arena) =>
        buffer.Offset == 0 ? arena : $"{arena} + {buffer.Offset} * CN_BATCH";

    private static string Source(BufferRef buffer, string arena) => buffer.IsNetworkInput ? "X" : Buffer(buffer, arena);

    private static int ActivationId(ActivationPlan activation) =>
        activation.Kind == ActivationKind.Softmax ? 0 : (int)activation.Kind;

    private static string Slope(ActivationPlan activation) => float.IsNaN(activation.Slope) ? "0.0f" : Float(activation.Slope);

    private static string Float(float value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (!text.Contains(".") && !text.Contains("E")) text += ".0";
        return text.Replace("E", "e") + "f";
    }
}
