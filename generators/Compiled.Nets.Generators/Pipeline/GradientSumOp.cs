using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Pipeline;

/// <summary>A buffer read by several layers: its delta (written by one) plus the others' contributions, before its producer runs backwards.</summary>
internal sealed record GradientSumOp(string Layer, BufferRef Target, EquatableArray<BufferRef> Contributions) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: read by {Contributions.Count + 1} layers, so their gradients add up.");
        foreach (var part in Contributions)
            w.Line($"{CSharpCode.Kernels}DenseKernels.Add({CSharpCode.Deltas(Target)}, {CSharpCode.Deltas(part)});");
    }

    /// <summary>Plain additions: no building block.</summary>
    public override IEnumerable<string> CudaBlocks => Array.Empty<string>();

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Target.Width;
        string name = $"{Layer}_gradient_sum";
        string terms = string.Join(" + ", Contributions.Select(b => $"({CudaCode.Buffer(b, "D")})[i]"));
        cuda.Kernel(name, $"{Layer}: its delta plus the gradients of its other readers; grid ⌈batch·{w}/{CudaCode.ElementThreads}⌉, block {CudaCode.ElementThreads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n    ({CudaCode.Buffer(Target, "D")})[i] += {terms};");
        cuda.Backward.Add(CudaCode.ElementLaunch(name, w));
    }
}
