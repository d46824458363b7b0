using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;

namespace Compiled.Nets.Generators.Layers.Dense;

/// <summary>A dense layer in the int8 model: per-channel int8 weights, int32 sums, the bias and activation in float, requantised (or floats at the output).</summary>
internal sealed record QuantizedDenseStep(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset, ActivationPlan Epilogue)
    : QuantizedStep(Layer, Input, Output)
{
    public override bool CanWriteFloats => true;
    public override string? WeightField => QuantizedCode.Field(Layer);
    public override string? SumsLength => $"{Output.Width}";

    public override void WriteCreate(SourceWriter w, QuantizedContext context)
    {
        string output = context.IsFloatOutput(Output) ? "null" : context.Quantization(Output);
        w.Line($"{WeightField} = {QuantizedCode.Quantization}QuantizedLinear.Create(\"{Layer}\", new {ReadOnlySpan}(network._parameters, {WeightOffset}, {Input.Width * Output.Width}), " +
               $"new {ReadOnlySpan}(network._parameters, {BiasOffset}, {Output.Width}), {Output.Width}, {Input.Width}, {context.Quantization(Input)}, {output});");
    }

    public override void WriteForward(SourceWriter w, QuantizedContext context)
    {
        bool floats = context.IsFloatOutput(Output);
        w.Line($"// {Layer}: int8 dense {Input.Width} → {Output.Width}, {Describe(Epilogue)}; int32 sums, per-channel scales and bias in the epilogue{(floats ? ", floats out" : ", requantised")}.");
        w.Line($"global::Compiled.Nets.CompilerServices.Int8Kernels.Dense({context.Levels(Input)}, {WeightField}, sums, {(floats ? "output" : context.Levels(Output))}, 1, {ActivationStruct(Epilogue)});");
    }
}

/// <summary>Softmax on the float output, in place.</summary>
internal sealed record QuantizedSoftmaxStep(string Layer, BufferRef Buffer) : QuantizedStep(Layer, Buffer, Buffer)
{
    public override bool WorksOnFloats => true;

    public override void WriteForward(SourceWriter w, QuantizedContext context)
    {
        w.Line($"// {Layer}: softmax over {Buffer.Width} units, in float.");
        w.Line($"{Kernels}SoftmaxKernels.Forward(output, {Buffer.Width});");
    }
}
