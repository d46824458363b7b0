using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.Graph;

/// <summary>One input of an Add or Concat on the way back: where its gradient goes and its producer's derivative.</summary>
internal sealed record JoinedInput(BufferRef Input, BufferRef? InputDelta, ActivationPlan InputDerivative);

/// <summary>y = f(Σ inputs), element-wise (a residual connection).</summary>
internal sealed record AddForwardOp(string Layer, EquatableArray<BufferRef> Inputs, BufferRef Output, ActivationPlan Activation) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => GraphCSharp.AddForward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Activations };
    public override void WriteCuda(CudaProgramBuilder cuda) => GraphCuda.AddForward(cuda, this);
}

/// <summary>Each input's gradient is the sum's delta times its producer's derivative.</summary>
internal sealed record AddBackwardOp(string Layer, BufferRef Output, EquatableArray<JoinedInput> Inputs) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => GraphCSharp.AddBackward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Activations };
    public override void WriteCuda(CudaProgramBuilder cuda) => GraphCuda.JoinBackward(cuda, Layer, Output, Inputs, concat: false);
}

/// <summary>Per sample, the inputs one after another (NCHW: concatenation along the channels).</summary>
internal sealed record ConcatForwardOp(string Layer, EquatableArray<BufferRef> Inputs, BufferRef Output) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => GraphCSharp.ConcatForward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Activations };
    public override void WriteCuda(CudaProgramBuilder cuda) => GraphCuda.ConcatForward(cuda, this);
}

/// <summary>Splits the delta back into the inputs' parts, times their producers' derivatives.</summary>
internal sealed record ConcatBackwardOp(string Layer, BufferRef Output, EquatableArray<JoinedInput> Inputs) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => GraphCSharp.ConcatBackward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Activations };
    public override void WriteCuda(CudaProgramBuilder cuda) => GraphCuda.JoinBackward(cuda, Layer, Output, Inputs, concat: true);
}
