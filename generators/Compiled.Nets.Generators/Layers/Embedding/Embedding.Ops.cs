using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;
using Cuda = Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.Embedding;

/// <summary>output[r] = weight[token r], for the batch's <see cref="Steps"/> tokens per sample.</summary>
internal sealed record EmbeddingForwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int Vocabulary, int Dimensions, int Steps) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: each of the {Steps} token ids picks its row of the {Vocabulary} × {Dimensions} table.");
        w.Line($"{Kernels}EmbeddingKernels.Forward({ActivationSource(Input)}, new {ReadOnlySpan}(_parameters, {WeightOffset}, {Vocabulary * Dimensions}), {Activations(Output)}, {Vocabulary}, {Dimensions});");
    }

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        string name = $"{Layer}_forward";
        cuda.Kernel(name, $"{Layer}: embedding lookup, one thread per output value; grid ⌈batch·{Steps * Dimensions}/{Cuda.ElementThreads}⌉, block {Cuda.ElementThreads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {Steps * Dimensions}) return;\n" +
            $"    const int r = i / {Dimensions}, d = i % {Dimensions}; const int id = (int)({Cuda.Source(Input, "A")})[r];\n" +
            $"    ({Cuda.Buffer(Output, "A")})[i] = P[{WeightOffset} + id * {Dimensions} + d];");
        cuda.Forward(Cuda.ElementLaunch(name, Steps * Dimensions));
    }
}

/// <summary>dW[token r] += dy[r]: a token read several times sums its gradients; no gradient flows into the ids.</summary>
internal sealed record EmbeddingBackwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int Vocabulary, int Dimensions, int Steps) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: each token's row of the table gets the gradient at its output.");
        w.Line($"{Kernels}EmbeddingKernels.Backward({ActivationSource(Input)}, {Deltas(Output)}, new {Span}(_gradients, {WeightOffset}, {Vocabulary * Dimensions}), {Vocabulary}, {Dimensions});");
    }

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        string name = $"{Layer}_weight_gradient";
        // One thread per table value, summing the rows of its token in order: deterministic, no atomics.
        cuda.Kernel(name, $"{Layer}: dW[v, d] += Σ over the batch's tokens equal to v; grid ⌈{Vocabulary * Dimensions}/{Cuda.ElementThreads}⌉, block {Cuda.ElementThreads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= {Vocabulary * Dimensions}) return;\n" +
            $"    const int v = i / {Dimensions}, d = i % {Dimensions}; const float* ids = {Cuda.Source(Input, "A")}; const float* dy = {Cuda.Buffer(Output, "D")};\n" +
            $"    float g = 0.0f;\n    for (int r = 0; r < CN_BATCH * {Steps}; ++r) if ((int)ids[r] == v) g += dy[r * {Dimensions} + d];\n    G[{WeightOffset} + i] += g;");
        cuda.Backward.Add(new CudaLaunchSpec(name, Cuda.Ceil(Vocabulary * Dimensions, Cuda.ElementThreads), "1", Cuda.ElementThreads, 1, "0"));
    }
}
