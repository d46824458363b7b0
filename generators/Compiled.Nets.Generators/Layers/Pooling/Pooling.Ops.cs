using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Pooling;

/// <summary>Pooling per channel; max pooling records each output's winning position in <see cref="Switches"/> (ints in a float buffer).</summary>
internal sealed record PoolForwardOp(string Layer, PoolKind Kind, BufferRef Input, BufferRef Output, BufferRef? Switches, Window2D Window) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => PoolingCSharp.Forward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Pool };
    public override void WriteCuda(CudaProgramBuilder cuda) => PoolingCuda.Forward(cuda, this);
    // Average pooling would need rounding in the level domain: no int8 form yet.
    public override QuantizedStep? Quantized => Kind == PoolKind.Max ? new QuantizedMaxPoolStep(Layer, Input, Output, Window) : null;
}

/// <summary>dx = the gradient routed to each window's winner (max) or spread over it (average), times f′_prev.</summary>
internal sealed record PoolBackwardOp(string Layer, PoolKind Kind, BufferRef Input, BufferRef Output, BufferRef? Switches, Window2D Window,
    BufferRef InputDelta, ActivationPlan InputDerivative) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => PoolingCSharp.Backward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Pool };
    public override void WriteCuda(CudaProgramBuilder cuda) => PoolingCuda.Backward(cuda, this);
}

/// <summary>Max-unpooling with a pooling's switches: <see cref="Window"/> is that pooling's (its output is this op's input).</summary>
internal sealed record UnpoolForwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Switches, Window2D Window) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => PoolingCSharp.UnpoolForward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Pool };
    public override void WriteCuda(CudaProgramBuilder cuda) => PoolingCuda.UnpoolForward(cuda, this);
}

/// <summary>dx[o] = dy[switch[o]] ⊙ f′_prev.</summary>
internal sealed record UnpoolBackwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Switches, Window2D Window,
    BufferRef InputDelta, ActivationPlan InputDerivative) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => PoolingCSharp.UnpoolBackward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Pool };
    public override void WriteCuda(CudaProgramBuilder cuda) => PoolingCuda.UnpoolBackward(cuda, this);
}
