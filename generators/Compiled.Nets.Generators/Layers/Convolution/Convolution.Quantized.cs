using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;

namespace Compiled.Nets.Generators.Layers.Convolution;

/// <summary>A convolution (groups of 1) in the int8 model: im2col on levels, int32 sums against per-channel int8 weights, requantised per plane.</summary>
internal sealed record QuantizedConvStep(string Layer, BufferRef Input, BufferRef Output, int WeightOffset, int BiasOffset, Window2D Window,
    ConvAlgorithmKind Algorithm, ActivationPlan Epilogue) : QuantizedStep(Layer, Input, Output)
{
    private string Shape => ConvShape(Window, Algorithm);
    public override string? WeightField => QuantizedCode.Field(Layer);
    public override string? SumsLength => $"global::Compiled.Nets.CompilerServices.Int8Kernels.Conv2DSumsLength({Shape})";
    public override string? WorkspaceLength => $"global::Compiled.Nets.CompilerServices.Int8Kernels.Conv2DWorkspaceLength({Shape})";

    public override void WriteCreate(SourceWriter w, QuantizedContext context)
    {
        var c = Window;
        w.Line($"{WeightField} = {QuantizedCode.Quantization}QuantizedLinear.Create(\"{Layer}\", new {ReadOnlySpan}(network._parameters, {WeightOffset}, {c.WeightCount}), " +
               $"new {ReadOnlySpan}(network._parameters, {BiasOffset}, {c.OutChannels}), {c.OutChannels}, {c.WeightCount / c.OutChannels}, {context.Quantization(Input)}, {context.Quantization(Output)});");
    }

    public override void WriteForward(SourceWriter w, QuantizedContext context)
    {
        var c = Window;
        w.Line($"// {Layer}: int8 convolution [{c.InChannels}, {c.InHeight}, {c.InWidth}] → [{c.OutChannels}, {c.OutHeight}, {c.OutWidth}], kernel {c.KernelHeight}×{c.KernelWidth}, {Describe(Epilogue)}; im2col on levels, requantised per channel.");
        w.Line($"global::Compiled.Nets.CompilerServices.Int8Kernels.Conv2D({context.Levels(Input)}, {WeightField}, {Shape}, workspace, sums, {context.Levels(Output)}, {ActivationStruct(Epilogue)});");
    }
}
