using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Pipeline;

/// <summary>λ · (1/batch) · Σ|a| over a layer's outputs (<c>ActivityL1 = λ</c>): the sparse autoencoder's penalty, a loss term.</summary>
internal sealed record ActivityL1Term(string Layer, BufferRef Buffer, float Weight) : LossTermPlan(Layer, Buffer, Weight)
{
    public override void WriteCSharpValue(SourceWriter w)
    {
        w.Line($"// {Layer}: activity penalty λ·mean over the batch of Σ|a|, λ = {CSharpCode.Number(Weight)}.");
        w.Line($"loss += (float){CSharpCode.Kernels}ActivityKernels.L1({CSharpCode.Activations(Buffer)}, batch, {CSharpCode.Float(Weight)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Reduce };

    public override void WriteCudaValue(CudaProgramBuilder cuda)
    {
        string name = $"{Layer}_activity_l1_value";
        int threads = CudaCode.ElementThreads;
        cuda.Kernel(name, $"{Layer}: λ/batch · Σ|a| added to the mean loss, λ = {CudaCode.Float(Weight)}; grid 1, block {threads}",
            $"float v = 0.0f; const float* a = {CudaCode.Buffer(Buffer, "A")};\n" +
            $"    for (int i = threadIdx.x; i < CN_BATCH * {Buffer.Width}; i += {threads}) v += fabsf(a[i]);\n" +
            $"    v = cn::block_reduce<{threads}>(v, cn::SumOp());\n    if (threadIdx.x == 0) L[CN_BATCH] += {CudaCode.Float(Weight)} / CN_BATCH * v;");
        cuda.Loss.Add(new CudaLaunchSpec(name, "1", "1", threads, 1, "0"));
    }
}

/// <summary>delta += λ/batch · sign(a) ⊙ f′(a): the activity penalty's gradient, once the buffer's delta is complete.</summary>
internal sealed record ActivityL1GradientOp(string Layer, BufferRef Buffer, float Weight, ActivationPlan Derivative) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: the activity penalty's gradient λ/batch · sign(a){CSharpCode.DerivativeNote(Derivative)}.");
        w.Line($"{CSharpCode.Kernels}ActivityKernels.AddL1Gradient({CSharpCode.Activations(Buffer)}, {CSharpCode.Deltas(Buffer)}, batch, {CSharpCode.Float(Weight)}, {CSharpCode.ActivationStruct(Derivative)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Activations };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        string name = $"{Layer}_activity_l1_gradient";
        int w = Buffer.Width;
        cuda.Kernel(name, $"{Layer}: delta += λ/batch · sign(a) · f′(a); grid ⌈batch·{w}/{CudaCode.ElementThreads}⌉, block {CudaCode.ElementThreads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n" +
            $"    const float a = ({CudaCode.Buffer(Buffer, "A")})[i];\n" +
            $"    ({CudaCode.Buffer(Buffer, "D")})[i] += {CudaCode.Float(Weight)} / CN_BATCH * static_cast<float>((a > 0.0f) - (a < 0.0f)) * cn::derivative<{CudaCode.ActivationId(Derivative)}>(a, {CudaCode.Slope(Derivative)});");
        cuda.Backward.Add(CudaCode.ElementLaunch(name, w));
    }
}

/// <summary>β · Σⱼ KL(ρ ‖ ρ̂ⱼ), ρ̂ⱼ the batch's mean of unit j (<c>SparsityWeight = β, SparsityTarget = ρ</c>): the sparse autoencoder's KL penalty.</summary>
internal sealed record KlSparsityTerm(string Layer, BufferRef Buffer, float Rho, float Weight) : LossTermPlan(Layer, Buffer, Weight)
{
    public override void WriteCSharpValue(SourceWriter w)
    {
        w.Line($"// {Layer}: KL sparsity penalty β·Σⱼ KL(ρ ‖ ρ̂ⱼ), ρ = {CSharpCode.Number(Rho)}, β = {CSharpCode.Number(Weight)}.");
        w.Line($"loss += (float){CSharpCode.Kernels}ActivityKernels.KlSparsity({CSharpCode.Activations(Buffer)}, batch, {Buffer.Width}, {CSharpCode.Float(Rho)}, {CSharpCode.Float(Weight)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Reduce };

    public override void WriteCudaValue(CudaProgramBuilder cuda)
    {
        string name = $"{Layer}_kl_sparsity_value";
        int threads = CudaCode.ElementThreads;
        cuda.Kernel(name, $"{Layer}: β · Σⱼ KL(ρ ‖ ρ̂ⱼ) added to the mean loss, ρ = {CudaCode.Float(Rho)}, β = {CudaCode.Float(Weight)}; grid 1, block {threads}",
            $"float v = 0.0f; const float* a = {CudaCode.Buffer(Buffer, "A")}; const float rho = {CudaCode.Float(Rho)};\n" +
            $"    for (int j = threadIdx.x; j < {Buffer.Width}; j += {threads}) {{ float m = 0.0f; for (int b = 0; b < CN_BATCH; b++) m += a[b * {Buffer.Width} + j]; m /= CN_BATCH;\n" +
            $"      v += rho * logf(rho / m) + (1.0f - rho) * logf((1.0f - rho) / (1.0f - m)); }}\n" +
            $"    v = cn::block_reduce<{threads}>(v, cn::SumOp());\n    if (threadIdx.x == 0) L[CN_BATCH] += {CudaCode.Float(Weight)} * v;");
        cuda.Loss.Add(new CudaLaunchSpec(name, "1", "1", threads, 1, "0"));
    }
}

/// <summary>delta += β/batch · (−ρ/ρ̂ⱼ + (1 − ρ)/(1 − ρ̂ⱼ)) ⊙ f′(a): the KL sparsity penalty's gradient, once the buffer's delta is complete.</summary>
internal sealed record KlSparsityGradientOp(string Layer, BufferRef Buffer, float Rho, float Weight, ActivationPlan Derivative) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: the KL sparsity penalty's gradient β/batch · (−ρ/ρ̂ + (1 − ρ)/(1 − ρ̂)){CSharpCode.DerivativeNote(Derivative)}.");
        w.Line($"{CSharpCode.Kernels}ActivityKernels.AddKlSparsityGradient({CSharpCode.Activations(Buffer)}, {CSharpCode.Deltas(Buffer)}, batch, {Buffer.Width}, {CSharpCode.Float(Rho)}, {CSharpCode.Float(Weight)}, {CSharpCode.ActivationStruct(Derivative)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Activations };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        string name = $"{Layer}_kl_sparsity_gradient";
        int w = Buffer.Width;
        cuda.Kernel(name, $"{Layer}: delta += β/batch · (−ρ/ρ̂ + (1 − ρ)/(1 − ρ̂)) · f′(a); grid ⌈batch·{w}/{CudaCode.ElementThreads}⌉, block {CudaCode.ElementThreads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n" +
            $"    const float* a = {CudaCode.Buffer(Buffer, "A")}; const int j = i % {w}; const float rho = {CudaCode.Float(Rho)};\n" +
            $"    float m = 0.0f; for (int b = 0; b < CN_BATCH; b++) m += a[b * {w} + j]; m /= CN_BATCH;\n" +
            $"    ({CudaCode.Buffer(Buffer, "D")})[i] += {CudaCode.Float(Weight)} / CN_BATCH * (-rho / m + (1.0f - rho) / (1.0f - m)) * cn::derivative<{CudaCode.ActivationId(Derivative)}>(a[i], {CudaCode.Slope(Derivative)});");
        cuda.Backward.Add(CudaCode.ElementLaunch(name, w));
    }
}
