using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;

namespace Compiled.Nets.Generators.Layers.Convolution;

/// <summary>The C# of the convolution ops: calls into ConvKernels with the geometry as a constant Conv2DShape.</summary>
internal static class ConvolutionCSharp
{
    private static string DescribeConv(Window2D c) =>
        $"convolution [{c.InChannels}, {c.InHeight}, {c.InWidth}] → [{c.OutChannels}, {c.OutHeight}, {c.OutWidth}], kernel {c.KernelHeight}×{c.KernelWidth}, stride {c.StrideWidth}, padding {c.PadWidth}" +
        (c.Groups > 1 ? $", {c.Groups} groups" : "") + $"; {Count(c.MultiplyAdds)} multiply-adds per sample";

    public static void Forward(SourceWriter w, ConvForwardOp conv)
    {
        var c = conv.Window;
        w.Line($"// {conv.Layer}: {DescribeConv(c)}, {Describe(conv.Epilogue)}; {ConvolutionAlgorithms.Describe(conv.Algorithm, c)}, bias and activation in its epilogue.");
        w.Line($"{Kernels}ConvKernels.Forward({ActivationSource(conv.Input)}, new {ReadOnlySpan}(_parameters, {conv.WeightOffset}, {c.WeightCount}), " +
               $"new {ReadOnlySpan}(_parameters, {conv.BiasOffset}, {c.OutChannels}), {Activations(conv.Output)}, batch, {ConvShape(c, conv.Algorithm)}, {ConvolutionScratch}, {ActivationStruct(conv.Epilogue)});");
    }

    public static void TransposedForward(SourceWriter w, ConvTransposeForwardOp convT)
    {
        var c = convT.Window;
        w.Line($"// {convT.Layer}: transposed convolution [{c.OutChannels}, {c.OutHeight}, {c.OutWidth}] → [{c.InChannels}, {c.InHeight}, {c.InWidth}], {Describe(convT.Epilogue)}; {ConvolutionAlgorithms.Describe(convT.Algorithm, c)}.");
        w.Line($"{Kernels}ConvKernels.TransposedForward({ActivationSource(convT.Input)}, new {ReadOnlySpan}(_parameters, {convT.WeightOffset}, {c.WeightCount}), " +
               $"new {ReadOnlySpan}(_parameters, {convT.BiasOffset}, {c.InChannels}), {Activations(convT.Output)}, batch, {ConvShape(c, convT.Algorithm)}, {ConvolutionScratch}, {ActivationStruct(convT.Epilogue)});");
    }

    public static void Backward(SourceWriter w, ConvBackwardOp conv)
    {
        var c = conv.Window;
        w.Line($"// {conv.Layer}: dW = Σ dz ⊗ patches, db = Σ dz{(conv.InputDelta is null ? "" : ", dx = convᵀ(dz)" + DerivativeNote(conv.InputDerivative))}; {ConvolutionAlgorithms.Describe(conv.Algorithm, c)}.");
        w.Line($"{Kernels}ConvKernels.WeightGradient({Deltas(conv.Output)}, {ActivationSource(conv.Input)}, new {Span}(_gradients, {conv.WeightOffset}, {c.WeightCount}), " +
               $"new {Span}(_gradients, {conv.BiasOffset}, {c.OutChannels}), batch, {ConvShape(c, conv.Algorithm)}, {ConvolutionScratch});");
        if (conv.InputDelta is { } target)
            w.Line($"{Kernels}ConvKernels.InputGradient({Deltas(conv.Output)}, new {ReadOnlySpan}(_parameters, {conv.WeightOffset}, {c.WeightCount}), " +
                   $"{Activations(conv.Input)}, {Deltas(target)}, batch, {ConvShape(c, conv.Algorithm)}, {ConvolutionScratch}, {ActivationStruct(conv.InputDerivative)});");
    }

    public static void TransposedBackward(SourceWriter w, ConvTransposeBackwardOp convT)
    {
        var c = convT.Window;
        bool propagate = convT.InputDelta is not null;
        w.Line($"// {convT.Layer}: transposed convolution's dW, db{(propagate ? ", dx = conv(dz)" + DerivativeNote(convT.InputDerivative) : "")}; {ConvolutionAlgorithms.Describe(convT.Algorithm, c)}.");
        w.Line($"{Kernels}ConvKernels.TransposedBackward({Deltas(convT.Output)}, {ActivationSource(convT.Input)}, new {ReadOnlySpan}(_parameters, {convT.WeightOffset}, {c.WeightCount}), " +
               $"new {Span}(_gradients, {convT.WeightOffset}, {c.WeightCount}), new {Span}(_gradients, {convT.BiasOffset}, {c.InChannels}), " +
               $"{(propagate ? Activations(convT.Input) : "default")}, {(propagate ? Deltas(convT.InputDelta!) : "default")}, batch, {ConvShape(c, convT.Algorithm)}, {ConvolutionScratch}, {ActivationStruct(convT.InputDerivative)});");
    }
}
