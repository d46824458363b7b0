using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Dense;

/// <summary>y = f(W x + b) for a batch; bias and element-wise activation fused into the matrix product's epilogue.</summary>
/// <remarks>On a sequence (<see cref="Steps"/> &gt; 1) the layer applies to every step: batch · steps rows of Input.Width / Steps.</remarks>
internal sealed record DenseForwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    ActivationPlan Epilogue, bool Unrolled, int Steps = 1) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        if (Unrolled) DenseCSharp.UnrolledForward(w, this);
        else DenseCSharp.KernelForward(w, this);
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Dense };
    public override void WriteCuda(CudaProgramBuilder cuda) => DenseCuda.Forward(cuda, this);
    public override QuantizedStep? Quantized => Steps == 1 ? new QuantizedDenseStep(Layer, Input, Output, WeightOffset, BiasOffset, Epilogue) : null;
}

/// <summary>Row-wise softmax of a buffer, in place; on a sequence, per step (rows of Buffer.Width / Steps).</summary>
internal sealed record SoftmaxForwardOp(string Layer, BufferRef Buffer, int Steps = 1) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => DenseCSharp.SoftmaxForward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Softmax };
    public override void WriteCuda(CudaProgramBuilder cuda) => DenseCuda.SoftmaxForward(cuda, this);
    public override QuantizedStep? Quantized => Steps == 1 ? new QuantizedSoftmaxStep(Layer, Buffer) : null;
}

/// <summary>
/// dW += dzᵀ x, db += Σ dz, and (unless the input is the network's) the previous layer's delta
/// dzPrev = f′_prev(x) ⊙ (dz W), with f′_prev fused into the product's epilogue.
/// </summary>
internal sealed record DenseBackwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    bool PropagateToInput, ActivationPlan InputDerivative, bool Unrolled, BufferRef InputDelta, int Steps = 1) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        if (Unrolled) DenseCSharp.UnrolledBackward(w, this);
        else DenseCSharp.KernelBackward(w, this);
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Dense };
    public override void WriteCuda(CudaProgramBuilder cuda) => DenseCuda.Backward(cuda, this);
}

/// <summary>Turns the gradient at a softmax output into the gradient at its input, in the delta arena, in place.</summary>
internal sealed record SoftmaxBackwardOp(string Layer, BufferRef Buffer, int Steps = 1) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => DenseCSharp.SoftmaxBackward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Softmax };
    public override void WriteCuda(CudaProgramBuilder cuda) => DenseCuda.SoftmaxBackward(cuda, this);
}

/// <summary>
/// A tied layer: y = f(Wᵀ x + b) with W the partner's weight [n, m] (n = this layer's input, m its output), read in place.
/// </summary>
internal sealed record TiedDenseForwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    ActivationPlan Epilogue, string Partner) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => DenseCSharp.TiedForward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Activations };
    public override void WriteCuda(CudaProgramBuilder cuda) => DenseCuda.TiedForward(cuda, this);
}

/// <summary>
/// A tied layer's backward pass: dW += x ⊗ dz into the partner's gradient (so both uses of the weight add up),
/// db += Σ dz, and with an <see cref="InputDelta"/>, dx = f′_prev(x) ⊙ (W dz).
/// </summary>
internal sealed record TiedDenseBackwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    BufferRef? InputDelta, ActivationPlan InputDerivative, string Partner) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => DenseCSharp.TiedBackward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Activations };
    public override void WriteCuda(CudaProgramBuilder cuda) => DenseCuda.TiedBackward(cuda, this);
}
