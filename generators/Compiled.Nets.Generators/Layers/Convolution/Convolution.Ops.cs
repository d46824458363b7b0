using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Convolution;

// Each op carries the CPU algorithm lowering chose for its window (ConvolutionAlgorithms.Choose); the C# passes it to the
// kernels in the Conv2DShape and says it in the call's comment. The CUDA kernels do not depend on it.

/// <summary>y = f(conv(x) + b): a convolution (groups included) with the bias and activation in its epilogue.</summary>
internal sealed record ConvForwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    Window2D Window, ConvAlgorithmKind Algorithm, ActivationPlan Epilogue) : OpPlan(Layer)
{
    public override ConvolutionCall? ConvolutionWorkspace => new(Window, Algorithm);
    public override void WriteCSharp(SourceWriter w) => ConvolutionCSharp.Forward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Conv };
    public override void WriteCuda(CudaProgramBuilder cuda) => ConvolutionCuda.Forward(cuda, this);
    // Grouped (and depthwise) convolutions have no int8 form yet.
    public override QuantizedStep? Quantized => Window.Groups == 1 ? new QuantizedConvStep(Layer, Input, Output, WeightOffset, BiasOffset, Window, Algorithm, Epilogue) : null;
}

/// <summary>dW, db from dz (the delta at the pre-activation) and x; with an <see cref="InputDelta"/>, dx = f′_prev ⊙ convᵀ(dz).</summary>
internal sealed record ConvBackwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    Window2D Window, ConvAlgorithmKind Algorithm, BufferRef? InputDelta, ActivationPlan InputDerivative) : OpPlan(Layer)
{
    public override ConvolutionCall? ConvolutionWorkspace => new(Window, Algorithm);
    public override void WriteCSharp(SourceWriter w) => ConvolutionCSharp.Backward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Conv };
    public override void WriteCuda(CudaProgramBuilder cuda) => ConvolutionCuda.Backward(cuda, this);
}

/// <summary>
/// A transposed convolution: y = f(convᵀ(x) + b), where <see cref="Window"/> is the convolution it transposes (from this
/// layer's output shape to its input shape); the bias is per output channel (Window.InChannels).
/// </summary>
internal sealed record ConvTransposeForwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    Window2D Window, ConvAlgorithmKind Algorithm, ActivationPlan Epilogue) : OpPlan(Layer)
{
    public override ConvolutionCall? ConvolutionWorkspace => new(Window, Algorithm);
    public override void WriteCSharp(SourceWriter w) => ConvolutionCSharp.TransposedForward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Conv };
    public override void WriteCuda(CudaProgramBuilder cuda) => ConvolutionCuda.TransposedForward(cuda, this);
}

/// <summary>dW = the convolution's weight gradient with the roles swapped, db = Σ dz per channel, dx = f′_prev ⊙ conv(dz).</summary>
internal sealed record ConvTransposeBackwardOp(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset,
    Window2D Window, ConvAlgorithmKind Algorithm, BufferRef? InputDelta, ActivationPlan InputDerivative) : OpPlan(Layer)
{
    public override ConvolutionCall? ConvolutionWorkspace => new(Window, Algorithm);
    public override void WriteCSharp(SourceWriter w) => ConvolutionCSharp.TransposedBackward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Conv };
    public override void WriteCuda(CudaProgramBuilder cuda) => ConvolutionCuda.TransposedBackward(cuda, this);
}
