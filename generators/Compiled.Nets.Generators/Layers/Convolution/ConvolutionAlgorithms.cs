using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Convolution;

/// <summary>
/// The CPU algorithm of each convolution, chosen while lowering and recorded in its op. The rule is the runtime's
/// Conv2DShape.Recommended (src/Compiled.Nets/Kernels/ConvKernels.cs, ShiftedConv.Fits), mirrored here because the
/// generator does not reference the runtime; ConvolutionAlgorithmTests checks that the two agree over a sweep of shapes.
/// A separable convolution's parts are two convolutions and get a choice each: the depthwise part by this rule, the
/// 1×1 pointwise part im2col (which reads its input as the patch rows themselves).
/// </summary>
internal static class ConvolutionAlgorithms
{
    /// <summary>The most wide positions per output that shifted rows take (the runtime's ShiftedConv.MaxWaste).</summary>
    public const int ShiftedRowsMaxWaste = 4;

    /// <summary>The most filters per group that run as direct convolution (the runtime's Conv2DShape.DirectMaxFiltersPerGroup).</summary>
    public const int DirectMaxFiltersPerGroup = 2;

    /// <summary>
    /// Shifted rows at stride 1 (not 1×1 pointwise) when the wide rows waste at most <see cref="ShiftedRowsMaxWaste"/>
    /// positions per output; else direct for a depthwise layer (one input channel per group, more than one group, at most
    /// <see cref="DirectMaxFiltersPerGroup"/> filters per group); else im2col.
    /// </summary>
    public static ConvAlgorithmKind Choose(Window2D w)
    {
        bool strideOne = w.StrideHeight == 1 && w.StrideWidth == 1;
        bool pointwise = IsPointwise(w);
        if (strideOne && !pointwise && WideLength(w) <= ShiftedRowsMaxWaste * (long)w.OutHeight * w.OutWidth)
            return ConvAlgorithmKind.ShiftedRows;
        if (w.Groups > 1 && w.InChannels == w.Groups && w.OutChannels / w.Groups <= DirectMaxFiltersPerGroup)
            return ConvAlgorithmKind.Direct;
        return ConvAlgorithmKind.Im2Col;
    }

    /// <summary>A 1×1 convolution with stride 1 and no padding: the input is the patch rows themselves.</summary>
    public static bool IsPointwise(Window2D w) =>
        w.KernelHeight == 1 && w.KernelWidth == 1 && w.StrideHeight == 1 && w.StrideWidth == 1 && w.PadHeight == 0 && w.PadWidth == 0;

    /// <summary>Output rows at the padded width, rounded up to whole 16-float vectors (the runtime's ShiftedConv.WideLength).</summary>
    private static long WideLength(Window2D w) => ((long)w.OutHeight * (w.InWidth + 2 * w.PadWidth) + 15) / 16 * 16;

    /// <summary>What the generated comment says the call does.</summary>
    public static string Describe(ConvAlgorithmKind algorithm, Window2D w) => algorithm switch
    {
        ConvAlgorithmKind.ShiftedRows => "shifted rows of zero-bordered planes + the SIMD GEMM",
        ConvAlgorithmKind.Direct => "direct depthwise convolution",
        _ => IsPointwise(w) ? "the SIMD GEMM on the input itself (1×1, no im2col)" : "im2col + the SIMD GEMM",
    };
}
