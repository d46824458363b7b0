using Compiled.Nets.Generators.Emit;

namespace Compiled.Nets.Generators.Model;

/// <summary>
/// A forward op's form in the int8 inference model (the nested <c>Quantized</c> class): activations between steps are
/// bytes of 7-bit levels, one quantisation per tensor. The family that owns the op defines its step and writes its code;
/// <see cref="QuantizedEmitter"/> lays out the level buffers, the calibration and the class around the steps.
/// An op with no step (<see cref="OpPlan.Quantized"/> null) makes <c>Quantize</c> unavailable for the network.
/// </summary>
internal abstract record QuantizedStep(string Layer, BufferRef Input, BufferRef Output)
{
    /// <summary>The step's output keeps its input's levels and quantisation (max pooling, dropout at inference): it is not calibrated.</summary>
    public virtual bool KeepsQuantization => false;

    /// <summary>The step can write floats when its output is the network's (the last dense layer), instead of levels.</summary>
    public virtual bool CanWriteFloats => false;

    /// <summary>The step reads and writes floats in place (softmax on the output): its buffer must be the float output.</summary>
    public virtual bool WorksOnFloats => false;

    /// <summary>The field of the step's quantised weights (a QuantizedLinear), or null.</summary>
    public virtual string? WeightField => null;

    /// <summary>C# for the ints of scratch the step needs (one sample), or null.</summary>
    public virtual string? SumsLength => null;

    /// <summary>C# for the bytes of convolution workspace the step needs, or null.</summary>
    public virtual string? WorkspaceLength => null;

    /// <summary>Creates the step's weights in the constructor (locals: network, and the quantisation fields are set).</summary>
    public virtual void WriteCreate(SourceWriter w, QuantizedContext context) { }

    /// <summary>The step in Run (locals: levels, sums, workspace, output).</summary>
    public abstract void WriteForward(SourceWriter w, QuantizedContext context);
}

/// <summary>What a step's code refers to: the level buffers, their quantisations, and the float output.</summary>
internal interface QuantizedContext
{
    /// <summary>The buffer's levels for one sample, as a span expression (its row padded to 32 bytes).</summary>
    string Levels(BufferRef buffer);

    /// <summary>The field holding the buffer's quantisation.</summary>
    string Quantization(BufferRef buffer);

    /// <summary>Whether the buffer is the network's output written as floats (the caller's span, <c>output</c>).</summary>
    bool IsFloatOutput(BufferRef buffer);
}
