using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Recurrent;

/// <summary>
/// A recurrent layer's forward pass over the whole sequence: <see cref="Scratch"/> keeps the input (time-major), the gates, the
/// states and cells of every step for the backward pass. Parameters: one block of <see cref="ParameterCount"/> floats at
/// <see cref="ParameterOffset"/> (W_ih, W_hh, peepholes, b_ih, b_hh).
/// </summary>
/// <remarks>A stateful layer starts from <see cref="Carried"/> and writes its last h (and c) back there once the call has succeeded.</remarks>
internal sealed record RecurrentForwardOp(string Layer, RecurrentCall Call, BufferRef Input, BufferRef Output, BufferRef Scratch,
    int ParameterOffset, int ParameterCount, CarriedStatePlan? Carried, BufferRef? GivenState) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => RecurrentCSharp.Forward(w, this);
    public override void WriteCommitCSharp(SourceWriter w) => RecurrentCSharp.Commit(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Recurrent };
    public override void WriteCuda(CudaProgramBuilder cuda) => RecurrentCuda.Forward(cuda, this);
}

/// <summary>
/// Backpropagation through time: the steps in reverse, the parameters' gradients summed over the steps, and (when
/// <see cref="InputDelta"/> is set) the gradient at the input sequence times its producer's derivative.
/// </summary>
internal sealed record RecurrentBackwardOp(string Layer, RecurrentCall Call, BufferRef Input, BufferRef Output, BufferRef Scratch,
    int ParameterOffset, int ParameterCount, BufferRef? InputDelta, ActivationPlan InputDerivative, InitialStateGradient? State) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w) => RecurrentCSharp.Backward(w, this);
    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Recurrent };
    public override void WriteCuda(CudaProgramBuilder cuda) => RecurrentCuda.Backward(cuda, this);
}

/// <summary>Where the gradient at a given initial state goes: the state layer's output, its delta target, its derivative.</summary>
internal sealed record InitialStateGradient(BufferRef State, BufferRef Target, ActivationPlan Derivative);
