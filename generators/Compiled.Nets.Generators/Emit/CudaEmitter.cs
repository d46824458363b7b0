using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Emit;

/// <summary>A network's CUDA translation unit and the launch sequences that run it.</summary>
internal sealed record CudaProgram(string Source, IReadOnlyList<CudaLaunchSpec> InferenceForward,
    IReadOnlyList<CudaLaunchSpec> TrainingForward, IReadOnlyList<CudaLaunchSpec> Loss, IReadOnlyList<CudaLaunchSpec> Backward,
    string ScratchLength);

/// <summary>
/// NetworkPlan → CUDA C: the building blocks of kernels/*.cuh (embedded) that its ops call, then one <c>extern "C"</c> kernel per
/// fused op with its shapes as template constants. The batch capacity is the macro CN_BATCH, defined when the
/// unit is compiled (NVRTC: -DCN_BATCH=64), so one source serves every batch size. Every kernel takes the same
/// arena pointers (CN_ARENAS), so one argument array serves every launch.
/// </summary>
internal static class CudaEmitter
{
    /// <summary>The optimizer update kernels, each over the whole parameter arena; scalars come from K.</summary>
    public static readonly string[] UpdateKernels = { "update_sgd", "update_momentum", "update_nesterov", "update_adagrad", "update_rmsprop", "update_adadelta", "update_adam" };

    /// <summary>The embedded blocks by file name: their text without the include guard and the #include lines, and the files they include.</summary>
    private static readonly Lazy<Dictionary<string, (string Text, string[] Includes)>> Blocks = new(() =>
    {
        var blocks = new Dictionary<string, (string, string[])>(StringComparer.Ordinal);
        var assembly = typeof(CudaEmitter).Assembly;
        foreach (string file in CudaBlock.All)
        {
            using var stream = assembly.GetManifestResourceStream("kernels/" + file)
                ?? throw new InvalidOperationException($"embedded kernel block {file} is missing");
            using var reader = new StreamReader(stream);
            var text = new StringBuilder();
            var includes = new List<string>();
            text.Append("// ---- kernels/").Append(file).Append(" ----\n");
            foreach (string line in reader.ReadToEnd().Replace("\r\n", "\n").Split('\n'))
            {
                // The blocks are written in dependency order, so their guards and includes go.
                string trimmed = line.TrimStart();
                if (trimmed.StartsWith("#pragma once", StringComparison.Ordinal)) continue;
                if (trimmed.StartsWith("#include", StringComparison.Ordinal))
                {
                    int open = trimmed.IndexOf('"'), close = trimmed.LastIndexOf('"');
                    if (open < 0 || close <= open) throw new InvalidOperationException($"kernel block {file}: unexpected include {trimmed}");
                    includes.Add(trimmed.Substring(open + 1, close - open - 1));
                    continue;
                }
                text.Append(line).Append('\n');
            }
            blocks[file] = (text.ToString(), includes.ToArray());
        }
        return blocks;
    });

    /// <summary>
    /// The blocks <paramref name="needed"/> names and every block they include, each once, after the blocks it includes
    /// (ties in <see cref="CudaBlock.All"/>'s order, so the unit is the same whatever order the ops named them in).
    /// </summary>
    internal static IReadOnlyList<string> BlockOrder(IEnumerable<string> needed)
    {
        var blocks = Blocks.Value;
        var wanted = new HashSet<string>(needed, StringComparer.Ordinal);
        var order = new List<string>();
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: being visited, true: written
        void Visit(string file)
        {
            if (state.TryGetValue(file, out bool done))
            {
                if (!done) throw new InvalidOperationException($"kernel blocks include each other in a cycle through {file}");
                return;
            }
            if (!blocks.TryGetValue(file, out var block)) throw new InvalidOperationException($"unknown kernel block {file}");
            state[file] = false;
            foreach (string include in block.Includes) Visit(include);
            state[file] = true;
            order.Add(file);
        }
        // First every block needed, with what it includes; then those in CudaBlock.All's order, each after its includes.
        var closure = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(wanted);
        while (pending.Count > 0)
        {
            string file = pending.Pop();
            if (!blocks.TryGetValue(file, out var block)) throw new InvalidOperationException($"unknown kernel block {file}");
            if (closure.Add(file)) foreach (string include in block.Includes) pending.Push(include);
        }
        foreach (string file in CudaBlock.All) if (closure.Contains(file)) Visit(file);
        return order;
    }

    /// <summary>The text of the blocks <paramref name="needed"/> names and of every block they include, in <see cref="BlockOrder"/>.</summary>
    internal static string BlockText(IEnumerable<string> needed)
    {
        var text = new StringBuilder();
        foreach (string block in BlockOrder(needed)) text.Append(Blocks.Value[block].Text);
        return text.ToString();
    }

    /// <summary>The blocks a plan's kernels call: its ops' and loss terms', the loss shell's, the penalty's and the optimizers'.</summary>
    internal static IEnumerable<string> BlocksOf(NetworkPlan plan)
    {
        foreach (var op in plan.ForwardOps) foreach (string block in op.CudaBlocks) yield return block;
        if (plan.LossOp is not null)
        {
            yield return CudaBlock.Losses;
            foreach (var term in plan.ExtraLossTerms) foreach (string block in term.CudaBlocks) yield return block;
        }
        foreach (var op in plan.BackwardOps) foreach (string block in op.CudaBlocks) yield return block;
        if (!plan.Regularization.IsEmpty) yield return CudaBlock.Reduce;
        if (plan.Training == TrainingRuleKind.GradientDescent) yield return CudaBlock.Optimizers;
    }

    public static CudaProgram Emit(NetworkPlan plan)
    {
        var cuda = new CudaProgramBuilder(plan.ScratchCount);
        var loss = cuda.Loss;
        var backward = cuda.Backward;
        void Kernel(string name, string comment, string body) => cuda.Kernel(name, comment, body);

        foreach (var op in plan.ForwardOps) op.WriteCuda(cuda);

        if (plan.LossOp is { } lossOp)
        {
            int w = lossOp.Output.Width;
            string y = Buffer(lossOp.Output, "A"), dz = Buffer(lossOp.Output, "D");
            string call = lossOp.Fusion switch
            {
                LossFusion.MeanSquaredError => $"cn::mse_loss<CN_BATCH, {w}, {ActivationId(lossOp.Derivative)}, {RowThreads}>({y}, T, W, {dz}, L, {Slope(lossOp.Derivative)});",
                LossFusion.BinaryCrossEntropy => $"cn::bce_loss<CN_BATCH, {w}, {ActivationId(lossOp.Derivative)}, {RowThreads}>({y}, T, W, {dz}, L, {Slope(lossOp.Derivative)});",
                LossFusion.BinaryCrossEntropyLogistic => $"cn::bce_logistic_loss<CN_BATCH, {w}, {RowThreads}>({y}, T, W, {dz}, L, {Float(lossOp.LogisticSlope)});",
                LossFusion.SoftmaxCrossEntropyOnProbabilities => $"cn::softmax_ce_probabilities_loss<CN_BATCH, {w}, {RowThreads}, {Math.Max(lossOp.Steps, 1)}>({y}, T, W, {dz}, L);",
                _ => $"cn::softmax_ce_logits_loss<CN_BATCH, {w}, {ActivationId(lossOp.Derivative)}, {RowThreads}, {Math.Max(lossOp.Steps, 1)}>({y}, T, W, {dz}, L, {Slope(lossOp.Derivative)});",
            };
            Kernel("loss", $"{lossOp.Kind}: per-sample losses into L[0..batch), the output delta into D; grid batch, block {RowThreads}", call);
            Kernel("loss_mean", $"the batch's (weighted) mean loss into L[batch]; grid 1, block {RowThreads}",
                $"cn::loss_mean<CN_BATCH, {RowThreads}>(L, W, L + CN_BATCH);");
            loss.Add(new CudaLaunchSpec("loss", "batch", "1", RowThreads, 1, "0"));
            if (lossOp.SumFactor != 1)
            {
                Kernel("loss_sum", $"Reduction = SumPerSample: the per-sample losses and the delta times {lossOp.SumFactor}; grid ⌈batch·{w}/{ElementThreads}⌉, block {ElementThreads}",
                    $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < CN_BATCH * {w}) ({dz})[i] *= {lossOp.SumFactor}.0f; if (i < CN_BATCH) L[i] *= {lossOp.SumFactor}.0f;");
                loss.Add(ElementLaunch("loss_sum", w));
            }
            loss.Add(new CudaLaunchSpec("loss_mean", "1", "1", RowThreads, 1, "0"));
            foreach (var term in plan.ExtraLossTerms) term.WriteCudaValue(cuda);
        }

        foreach (var op in plan.BackwardOps) op.WriteCuda(cuda);

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
            // Launched by the runner at the end of the captured training graph; L[0] is free once loss_mean has read it.
            Kernel("gradient_check", "the first non-finite gradient's index (or P) into L[0] as an int, so the host can refuse the step; grid 1, block 256",
                $"cn::first_nonfinite<{count}, 256>(G, reinterpret_cast<int*>(L));");
        }

        var source = new StringBuilder();
        source.Append("// <auto-generated/> CUDA C of the network ").Append(plan.Type.Name).Append(", emitted by Compiled.Nets from its NetworkPlan.\n");
        source.Append("// Compile with CN_BATCH defined as the batch capacity (NVRTC: -DCN_BATCH=64), after cn_nvrtc.h\n");
        source.Append("// (clang: -include cn_prelude.h; CPU emulation: -include cn_emulation.h).\n");
        source.Append("#ifndef CN_BATCH\n#error \"define CN_BATCH, the batch capacity\"\n#endif\n\n");
        foreach (string block in BlockOrder(BlocksOf(plan))) source.Append(Blocks.Value[block].Text);
        source.Append('\n');
        source.Append("// ---- ").Append(plan.Type.Name).Append(" ----\n");
        source.Append("// Arenas (floats): P parameters, G gradients, A activations and D deltas (offset·CN_BATCH per buffer),\n");
        source.Append("// S running statistics, Z scratch, X inputs, T targets, W sample weights (may be null), L per-sample losses\n");
        source.Append("// and their mean at L[CN_BATCH], O optimizer state, K scalars (learning rate, optimizer constants, dropout seed, step).\n");
        source.Append("#define CN_ARENAS float* P, float* G, float* A, float* D, float* S, float* Z, const float* X, const float* T, const float* W, float* L, float* O, const float* K\n\n");
        source.Append("// The Plan's random streams: a counter-based uniform in [0, 1) of (seed, step, stream, index), no RNG state to\n");
        source.Append("// carry between launches; CounterRandom.Uniform computes the same on the CPU, so masks agree.\n");
        foreach (var stream in plan.RandomStreams) source.Append("//   stream ").Append(stream.Key).Append(": ").Append(stream.Name).Append('\n');
        source.Append("__device__ __forceinline__ float cn_uniform(unsigned seed, unsigned step, unsigned stream, unsigned index)\n{\n");
        source.Append("    unsigned h = seed * 0x9E3779B9u ^ (step + 0x7F4A7C15u) * 0x85EBCA6Bu ^ index * 0xC2B2AE35u ^ (stream + 1u) * 0x27D4EB2Fu;\n");
        source.Append("    h ^= h >> 16; h *= 0x7FEB352Du; h ^= h >> 15; h *= 0x846CA68Bu; h ^= h >> 16;\n");
        source.Append("    return (h >> 8) * (1.0f / 16777216.0f);\n}\n\n");
        source.Append("// A standard normal for value `index` by Box-Muller from values 2 index and 2 index + 1 (CounterRandom.Normal).\n");
        source.Append("__device__ __forceinline__ float cn_normal(unsigned seed, unsigned step, unsigned stream, unsigned index)\n{\n");
        source.Append("    const float u1 = cn_uniform(seed, step, stream, 2u * index), u2 = cn_uniform(seed, step, stream, 2u * index + 1u);\n");
        source.Append("    return sqrtf(-2.0f * logf(1.0f - u1)) * cosf(6.2831853f * u2);\n}\n\n");
        source.Append("// A standard logistic value ln a − ln(2^24 − a), a = 2k + 1 from the hash's top 23 bits k (CounterRandom.Logistic).\n");
        source.Append("__device__ __forceinline__ float cn_logistic(unsigned seed, unsigned step, unsigned stream, unsigned index)\n{\n");
        source.Append("    const unsigned k = static_cast<unsigned>(cn_uniform(seed, step, stream, index) * 16777216.0f) >> 1;\n");
        source.Append("    const float a = 2.0f * static_cast<float>(k) + 1.0f;\n");
        source.Append("    return logf(a) - logf(16777216.0f - a);\n}\n\n");
        source.Append(cuda.KernelSource);
        return new CudaProgram(source.ToString(), cuda.Inference, cuda.Training, loss, backward, cuda.ScratchLength);
    }
}
