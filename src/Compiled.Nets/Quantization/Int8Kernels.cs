using System.ComponentModel;
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Compiled.Nets.CompilerServices;

using Compiled.Nets.Quantization;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// The int8 inference kernels that generated <c>Quantized</c> models call with constant shapes: quantising the input,
/// dense and convolution layers (int32 sums of u7 activations × s8 weights, then the per-channel epilogue in float),
/// max pooling on the stored levels, and dequantising. Activations are bytes in [0, 127] (<see cref="ActivationQuantization"/>);
/// every row a product reads is padded to <see cref="DepthAlignment"/> bytes. Every entry point checks its spans.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Int8Kernels
{
    /// <summary>Rows of activations and weights are padded to this many bytes (a 256-bit vector), with zero weights.</summary>
    public const int DepthAlignment = 32;

    /// <summary>The dot-product form this CPU runs natively; the kernels use it unless a test asks for another.</summary>
    public static Int8Path BestPath { get; } = ChoosePath();

    private static Int8Path ChoosePath()
    {
        if (VnniSupported && Vector256.IsHardwareAccelerated) return Int8Path.AvxVnni;
        if (Avx2.IsSupported && Vector256.IsHardwareAccelerated) return Int8Path.Avx2;
        if (Dp.IsSupported) return Int8Path.ArmDotProduct;
        if (Vector128.IsHardwareAccelerated) return Int8Path.Vector128;
        return Int8Path.Scalar;
    }

#if NET9_0_OR_GREATER
    private static bool VnniSupported => AvxVnni.IsSupported;
#else
    // .NET 8 has AVX-VNNI only as a preview feature: the AVX2 form runs there instead.
    private static bool VnniSupported => false;
#endif

    /// <summary>Whether <paramref name="path"/> runs natively here (never an emulated width).</summary>
    public static bool IsSupported(Int8Path path) => path switch
    {
        Int8Path.Scalar => true,
        Int8Path.Vector128 => Vector128.IsHardwareAccelerated,
        Int8Path.ArmDotProduct => Dp.IsSupported,
        Int8Path.Avx2 => Avx2.IsSupported && Vector256.IsHardwareAccelerated,
        Int8Path.AvxVnni => VnniSupported && Vector256.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary><paramref name="depth"/> rounded up to a multiple of <see cref="DepthAlignment"/>.</summary>
    public static int PaddedDepth(int depth) => checked(depth + DepthAlignment - 1) / DepthAlignment * DepthAlignment;

    // ---------------------------------------------------------------- products

    /// <summary>
    /// <c>sums[r·rowStride + c·colStride] = Σ_k a[r, k] · b[c, k]</c> over <paramref name="paddedDepth"/> bytes, exactly, with
    /// <paramref name="path"/> (which must be supported). <paramref name="a"/> holds levels in [0, 127] (a larger byte is refused:
    /// the AVX2 form would saturate); rows of both are <paramref name="paddedDepth"/> long, a multiple of <see cref="DepthAlignment"/>.
    /// </summary>
    public static void MultiplyAccumulate(ReadOnlySpan<byte> a, ReadOnlySpan<sbyte> b, Span<int> sums, int rows, int cols, int paddedDepth,
        int rowStride, int colStride, Int8Path path)
    {
        const string kernel = "Int8Kernels.MultiplyAccumulate";
        KernelChecks.NonNegative(kernel, nameof(rows), rows);
        KernelChecks.NonNegative(kernel, nameof(cols), cols);
        KernelChecks.NonNegative(kernel, nameof(paddedDepth), paddedDepth);
        if (paddedDepth % DepthAlignment != 0) throw new ArgumentException($"{kernel}: paddedDepth {paddedDepth} is not a multiple of {DepthAlignment}.", nameof(paddedDepth));
        KernelChecks.Length(kernel, nameof(a), a.Length, (long)rows * paddedDepth);
        KernelChecks.Length(kernel, nameof(b), b.Length, (long)cols * paddedDepth);
        KernelChecks.Positive(kernel, nameof(rowStride), rowStride);
        KernelChecks.Positive(kernel, nameof(colStride), colStride);
        if (rows > 0 && cols > 0)
            KernelChecks.AtLeast(kernel, nameof(sums), sums.Length, (long)(rows - 1) * rowStride + (long)(cols - 1) * colStride + 1);
        if (!IsSupported(path)) throw new PlatformNotSupportedException($"{kernel}: the {path} form does not run on this CPU.");
        if (a.IndexOfAnyInRange((byte)128, (byte)255) >= 0) throw new ArgumentException($"{kernel}: an activation above 127.", nameof(a));
        Multiply(path, ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(sums), rows, cols, paddedDepth, rowStride, colStride);
    }

    private static void Multiply(Int8Path path, ref byte a, ref sbyte b, ref int sums, int rows, int cols, int depth, int rowStride, int colStride)
    {
        switch (path)
        {
            case Int8Path.AvxVnni: Multiply<Vector256<byte>, Vector256<int>, AvxVnniDot>(ref a, ref b, ref sums, rows, cols, depth, rowStride, colStride); break;
            case Int8Path.Avx2: Multiply<Vector256<byte>, Vector256<int>, Avx2Dot>(ref a, ref b, ref sums, rows, cols, depth, rowStride, colStride); break;
            case Int8Path.ArmDotProduct: Multiply<Vector128<sbyte>, Vector128<int>, ArmDot>(ref a, ref b, ref sums, rows, cols, depth, rowStride, colStride); break;
            case Int8Path.Vector128: Multiply<Vector128<byte>, Vector128<int>, Vector128Dot>(ref a, ref b, ref sums, rows, cols, depth, rowStride, colStride); break;
            default: Multiply<uint, int, ScalarDot>(ref a, ref b, ref sums, rows, cols, depth, rowStride, colStride); break;
        }
    }

    /// <summary>One row of activations against four weight rows at a time: each activation load feeds four products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply<TIn, TAcc, TDot>(ref byte a, ref sbyte b, ref int sums, int rows, int cols, int depth, int rowStride, int colStride)
        where TIn : unmanaged where TAcc : unmanaged where TDot : struct, IInt8Dot<TIn, TAcc>
    {
        for (int r = 0; r < rows; r++)
        {
            ref byte ar = ref Unsafe.Add(ref a, r * depth);
            ref int target = ref Unsafe.Add(ref sums, r * rowStride);
            int c = 0;
            for (; c + 4 <= cols; c += 4)
            {
                ref sbyte b0 = ref Unsafe.Add(ref b, c * depth);
                ref sbyte b1 = ref Unsafe.Add(ref b0, depth);
                ref sbyte b2 = ref Unsafe.Add(ref b1, depth);
                ref sbyte b3 = ref Unsafe.Add(ref b2, depth);
                TAcc s0 = TDot.Zero, s1 = TDot.Zero, s2 = TDot.Zero, s3 = TDot.Zero;
                for (int k = 0; k < depth; k += TDot.Bytes)
                {
                    var x = TDot.Load(ref ar, k);
                    s0 = TDot.MultiplyAdd(s0, x, ref b0, k);
                    s1 = TDot.MultiplyAdd(s1, x, ref b1, k);
                    s2 = TDot.MultiplyAdd(s2, x, ref b2, k);
                    s3 = TDot.MultiplyAdd(s3, x, ref b3, k);
                }
                TDot.Store4(s0, s1, s2, s3, ref Unsafe.Add(ref target, c * colStride), colStride);
            }
            for (; c < cols; c++)
            {
                ref sbyte bc = ref Unsafe.Add(ref b, c * depth);
                TAcc s = TDot.Zero;
                for (int k = 0; k < depth; k += TDot.Bytes) s = TDot.MultiplyAdd(s, TDot.Load(ref ar, k), ref bc, k);
                Unsafe.Add(ref target, c * colStride) = TDot.Sum(s);
            }
        }
    }

    // ---------------------------------------------------------------- quantise, dequantise

    /// <summary><c>q[i] = clamp(round(x[i] / scale) + zeroPoint, 0, 127)</c> for every x; q may be longer (its tail is left alone).</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> q, ActivationQuantization quantization)
    {
        KernelChecks.AtLeast("Int8Kernels.Quantize", nameof(q), q.Length, x.Length);
        float inverse = quantization.InverseScale;
        int zero = quantization.ZeroPoint, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float x0 = ref MemoryMarshal.GetReference(x);
            ref byte q0 = ref MemoryMarshal.GetReference(q);
            var inv = Vector256.Create(inverse);
            var zp = Vector256.Create(zero);
            if (Avx2.IsSupported)
                for (; i + 32 <= x.Length; i += 32)
                    PackLevels32(Vector256.LoadUnsafe(ref x0, (nuint)i) * inv, Vector256.LoadUnsafe(ref x0, (nuint)(i + 8)) * inv,
                        Vector256.LoadUnsafe(ref x0, (nuint)(i + 16)) * inv, Vector256.LoadUnsafe(ref x0, (nuint)(i + 24)) * inv, zp).StoreUnsafe(ref q0, (nuint)i);
            for (; i + 8 <= x.Length; i += 8)
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref q0, i), PackLevels(Vector256.LoadUnsafe(ref x0, (nuint)i) * inv, zp));
        }
        for (; i < x.Length; i++) q[i] = Level(x[i] * inverse, zero);
    }

    /// <summary><c>x[i] = scale · (q[i] − zeroPoint)</c>.</summary>
    public static void Dequantize(ReadOnlySpan<byte> q, Span<float> x, ActivationQuantization quantization)
    {
        KernelChecks.AtLeast("Int8Kernels.Dequantize", nameof(q), q.Length, x.Length);
        for (int i = 0; i < x.Length; i++) x[i] = quantization.Dequantize(q[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Level(float scaled, int zeroPoint) =>
        (byte)Math.Clamp((int)MathF.Round(Math.Clamp(scaled, -Saturation, Saturation)) + zeroPoint, 0, ActivationQuantization.MaxLevel);

    /// <summary>Scaled values are clamped to ±256 before the conversion to int, so a huge one cannot wrap when the zero point is added.</summary>
    private const float Saturation = 256f;

    /// <summary>
    /// Thirty-two scaled values to their levels with AVX2, the same levels as <see cref="Level"/>: clamped to ±256, converted
    /// with the default rounding (to nearest, ties to even), the zero point added, packed with signed then unsigned saturation
    /// (which clamps at 0), the lanes put back in order, and capped at 127.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> PackLevels32(Vector256<float> s0, Vector256<float> s1, Vector256<float> s2, Vector256<float> s3, Vector256<int> zeroPoint)
    {
        var low = Vector256.Create(-Saturation);
        var high = Vector256.Create(Saturation);
        var l0 = Avx2.Add(Avx.ConvertToVector256Int32(Avx.Min(Avx.Max(s0, low), high)), zeroPoint);
        var l1 = Avx2.Add(Avx.ConvertToVector256Int32(Avx.Min(Avx.Max(s1, low), high)), zeroPoint);
        var l2 = Avx2.Add(Avx.ConvertToVector256Int32(Avx.Min(Avx.Max(s2, low), high)), zeroPoint);
        var l3 = Avx2.Add(Avx.ConvertToVector256Int32(Avx.Min(Avx.Max(s3, low), high)), zeroPoint);
        var bytes = Avx2.PackUnsignedSaturate(Avx2.PackSignedSaturate(l0, l1), Avx2.PackSignedSaturate(l2, l3));
        bytes = Avx2.PermuteVar8x32(bytes.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)).AsByte();
        return Avx2.Min(bytes, Vector256.Create((byte)ActivationQuantization.MaxLevel));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong PackLevels(Vector256<float> scaled, Vector256<int> zeroPoint)
    {
        var clamped = Vector256.Min(Vector256.Max(scaled, Vector256.Create(-Saturation)), Vector256.Create(Saturation));
        var levels = Vector256.ConvertToInt32(SimdMath.Round(clamped)) + zeroPoint;
        levels = Vector256.Min(Vector256.Max(levels, Vector256<int>.Zero), Vector256.Create(ActivationQuantization.MaxLevel));
        var shorts = Vector256.Narrow(levels, levels).AsUInt16();
        return Vector256.Narrow(shorts, shorts).AsUInt64().ToScalar();
    }

    // ---------------------------------------------------------------- dense

    /// <summary>
    /// A dense layer on <paramref name="batch"/> rows of levels ([batch, layer.PaddedDepth]) into levels of the layer's
    /// output quantisation ([batch, PaddedDepth(layer.Outputs)]; the padding is left as it is): int32 sums, then
    /// <c>f(Multiplier · sum + Offset)</c> requantised. <paramref name="sums"/> is scratch of at least batch · Outputs ints.
    /// </summary>
    public static void Dense<TAct>(ReadOnlySpan<byte> x, QuantizedLinear layer, Span<int> sums, Span<byte> y, int batch, TAct activation)
        where TAct : struct, IActivation
    {
        const string kernel = "Int8Kernels.Dense";
        var output = layer.Output ?? throw new ArgumentException($"{kernel}: {layer.Name} writes floats (it has no output quantisation).", nameof(layer));
        int stride = PaddedDepth(layer.Outputs);
        CheckDense(kernel, x, layer, sums, batch);
        KernelChecks.Length(kernel, nameof(y), y.Length, (long)batch * stride);
        Multiply(BestPath, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(layer.PaddedWeights), ref MemoryMarshal.GetReference(sums),
            batch, layer.Outputs, layer.PaddedDepth, layer.Outputs, 1);
        for (int r = 0; r < batch; r++)
            RequantizeRow(sums.Slice(r * layer.Outputs, layer.Outputs), layer.Multipliers, layer.Offsets, y.Slice(r * stride, layer.Outputs), output, activation);
    }

    /// <summary>A dense layer into floats ([batch, layer.Outputs]): <c>f(Multiplier · sum + Offset)</c>, the network's last layer.</summary>
    public static void Dense<TAct>(ReadOnlySpan<byte> x, QuantizedLinear layer, Span<int> sums, Span<float> y, int batch, TAct activation)
        where TAct : struct, IActivation
    {
        const string kernel = "Int8Kernels.Dense";
        CheckDense(kernel, x, layer, sums, batch);
        KernelChecks.Length(kernel, nameof(y), y.Length, (long)batch * layer.Outputs);
        Multiply(BestPath, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(layer.PaddedWeights), ref MemoryMarshal.GetReference(sums),
            batch, layer.Outputs, layer.PaddedDepth, layer.Outputs, 1);
        var multipliers = layer.Multipliers;
        var offsets = layer.Offsets;
        for (int i = 0; i < batch * layer.Outputs; i++)
        {
            int c = i % layer.Outputs;
            y[i] = activation.Apply(sums[i] * multipliers[c] + offsets[c]);
        }
    }

    private static void CheckDense(string kernel, ReadOnlySpan<byte> x, QuantizedLinear layer, Span<int> sums, int batch)
    {
        ArgumentNullException.ThrowIfNull(layer);
        KernelChecks.NonNegative(kernel, nameof(batch), batch);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * layer.PaddedDepth);
        KernelChecks.AtLeast(kernel, nameof(sums), sums.Length, (long)batch * layer.Outputs);
    }

    /// <summary>Levels of f(m[c] · sums[c] + o[c]) for one row of channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RequantizeRow<TAct>(ReadOnlySpan<int> sums, ReadOnlySpan<float> multipliers, ReadOnlySpan<float> offsets, Span<byte> y,
        ActivationQuantization output, TAct activation) where TAct : struct, IActivation
    {
        float inverse = output.InverseScale;
        int zero = output.ZeroPoint, c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref int s0 = ref MemoryMarshal.GetReference(sums);
            ref float m0 = ref MemoryMarshal.GetReference(multipliers);
            ref float o0 = ref MemoryMarshal.GetReference(offsets);
            ref byte y0 = ref MemoryMarshal.GetReference(y);
            var inv = Vector256.Create(inverse);
            var zp = Vector256.Create(zero);
            for (; c + 8 <= sums.Length; c += 8)
            {
                // Multiply then add, unfused, as the scalar tail: every path gives the same levels.
                var z = Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref s0, (nuint)c)) * Vector256.LoadUnsafe(ref m0, (nuint)c) + Vector256.LoadUnsafe(ref o0, (nuint)c);
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref y0, c), PackLevels(activation.Apply(z) * inv, zp));
            }
        }
        for (; c < sums.Length; c++) y[c] = Level(activation.Apply(sums[c] * multipliers[c] + offsets[c]) * inverse, zero);
    }

    /// <summary>Levels of f(m · sums[p] + o) for one channel's plane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RequantizePlane<TAct>(ReadOnlySpan<int> sums, float multiplier, float offset, Span<byte> y,
        ActivationQuantization output, TAct activation) where TAct : struct, IActivation
    {
        float inverse = output.InverseScale;
        int zero = output.ZeroPoint, p = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref int s0 = ref MemoryMarshal.GetReference(sums);
            ref byte y0 = ref MemoryMarshal.GetReference(y);
            var m = Vector256.Create(multiplier);
            var o = Vector256.Create(offset);
            var inv = Vector256.Create(inverse);
            var zp = Vector256.Create(zero);
            if (Avx2.IsSupported)
                for (; p + 32 <= sums.Length; p += 32)
                {
                    var z0 = Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref s0, (nuint)p)) * m + o;
                    var z1 = Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref s0, (nuint)(p + 8))) * m + o;
                    var z2 = Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref s0, (nuint)(p + 16))) * m + o;
                    var z3 = Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref s0, (nuint)(p + 24))) * m + o;
                    PackLevels32(activation.Apply(z0) * inv, activation.Apply(z1) * inv, activation.Apply(z2) * inv, activation.Apply(z3) * inv, zp)
                        .StoreUnsafe(ref y0, (nuint)p);
                }
            for (; p + 8 <= sums.Length; p += 8)
            {
                var z = Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref s0, (nuint)p)) * m + o;
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref y0, p), PackLevels(activation.Apply(z) * inv, zp));
            }
        }
        for (; p < sums.Length; p++) y[p] = Level(activation.Apply(sums[p] * multiplier + offset) * inverse, zero);
    }

    // ---------------------------------------------------------------- convolution

    /// <summary>Positions of one convolution plane rounded up to a whole number of the widest lanes (8).</summary>
    private static int PaddedPositions(Conv2DShape s) => checked((s.Positions + 7) & ~7);

    /// <summary>Ints per group in the transposed receptive fields: the padded positions and one block of 8 that a row's last block may run into.</summary>
    private static int PackedStride(Conv2DShape s) => checked(PaddedPositions(s) + 8);

    /// <summary>Slack after the bordered planes: the 8-byte copies and the 16-byte loads of the shuffled path read past the last row.</summary>
    private const int PlaneSlack = 32;

    /// <summary>Receptive-field taps in groups of four (a lane's four bytes).</summary>
    private static int TapGroups(Conv2DShape s) => checked((s.PatchLength + 3) / 4);

    /// <summary>
    /// Bytes of workspace <c>Conv2D</c> needs: the zero-point-bordered planes, the receptive fields as rows, and the
    /// same transposed to groups of four taps by position, each with 8 bytes of slack.
    /// </summary>
    public static int Conv2DWorkspaceLength(Conv2DShape shape) =>
        checked(PaddedPlanesLength(shape) + PlaneSlack + shape.Positions * 4 * TapGroups(shape) + 8 + 4 * TapGroups(shape) * PackedStride(shape));

    /// <summary>Ints of scratch <c>Conv2D</c> needs: one sum per output channel and (padded) position.</summary>
    public static int Conv2DSumsLength(Conv2DShape shape) => checked(shape.OutChannels * PackedStride(shape));

    private static int PaddedPlanesLength(Conv2DShape s) => checked(s.InChannels * (s.InHeight + 2 * s.PadHeight) * (s.InWidth + 2 * s.PadWidth));

    /// <summary>
    /// One sample's convolution (groups of 1) into levels ([OutChannels, OutHeight, OutWidth]). The receptive fields are
    /// copied as rows of levels (im2col, padding at the input's zero point) and transposed into groups of four taps by
    /// position, so that each int32 lane is one output position: a vector of positions is multiplied by four broadcast
    /// weights at a time and the sums land in the channel's plane with no horizontal sum. <paramref name="x"/> holds at
    /// least the input's [InChannels, InHeight, InWidth] levels.
    /// </summary>
    public static void Conv2D<TAct>(ReadOnlySpan<byte> x, QuantizedLinear layer, Conv2DShape shape, Span<byte> workspace, Span<int> sums,
        Span<byte> y, TAct activation) where TAct : struct, IActivation =>
        Conv2D(x, layer, shape, workspace, sums, y, activation, BestPath);

    /// <summary><see cref="Conv2D{TAct}(ReadOnlySpan{byte}, QuantizedLinear, Conv2DShape, Span{byte}, Span{int}, Span{byte}, TAct)"/> with a chosen dot-product form (tests).</summary>
    internal static void Conv2D<TAct>(ReadOnlySpan<byte> x, QuantizedLinear layer, Conv2DShape s, Span<byte> workspace, Span<int> sums,
        Span<byte> y, TAct activation, Int8Path path) where TAct : struct, IActivation
    {
        const string kernel = "Int8Kernels.Conv2D";
        ArgumentNullException.ThrowIfNull(layer);
        var output = layer.Output ?? throw new ArgumentException($"{kernel}: {layer.Name} writes floats (it has no output quantisation).", nameof(layer));
        if (s.Groups != 1) throw new ArgumentException($"{kernel}: grouped convolutions have no int8 form.", nameof(s));
        if (layer.Outputs != s.OutChannels || layer.Depth != s.PatchLength)
            throw new ArgumentException($"{kernel}: {layer.Name} has {layer.Outputs}×{layer.Depth} weights; the shape needs {s.OutChannels}×{s.PatchLength}.", nameof(layer));
        if (!IsSupported(path)) throw new PlatformNotSupportedException($"{kernel}: the {path} form does not run on this CPU.");
        KernelChecks.AtLeast(kernel, nameof(x), x.Length, s.InputSize);
        KernelChecks.AtLeast(kernel, nameof(workspace), workspace.Length, Conv2DWorkspaceLength(s));
        KernelChecks.AtLeast(kernel, nameof(sums), sums.Length, Conv2DSumsLength(s));
        KernelChecks.AtLeast(kernel, nameof(y), y.Length, s.OutputSize);

        int positions = s.Positions, padded = PaddedPositions(s), stride = PackedStride(s), groups = TapGroups(s);
        var packed = Im2ColByPosition(x, layer.Input.ZeroPoint, s, workspace, shuffled: path is Int8Path.Avx2 or Int8Path.AvxVnni);
        ref byte p0 = ref MemoryMarshal.GetReference(packed);
        ref sbyte w0 = ref MemoryMarshal.GetReference(layer.PaddedWeights);
        ref int s0 = ref MemoryMarshal.GetReference(sums);
        // The weights' rows are PaddedDepth ≥ 4 · groups long, zero past the patch: a group's four weights are one int.
        switch (path)
        {
            case Int8Path.AvxVnni: MultiplyLanes<Vector256<byte>, Vector256<int>, AvxVnniDot>(ref p0, ref w0, ref s0, s.OutChannels, groups, padded, stride, layer.PaddedDepth); break;
            case Int8Path.Avx2: MultiplyLanes<Vector256<byte>, Vector256<int>, Avx2Dot>(ref p0, ref w0, ref s0, s.OutChannels, groups, padded, stride, layer.PaddedDepth); break;
            case Int8Path.ArmDotProduct: MultiplyLanes<Vector128<sbyte>, Vector128<int>, ArmDot>(ref p0, ref w0, ref s0, s.OutChannels, groups, padded, stride, layer.PaddedDepth); break;
            // The portable 128-bit form has no cheap per-lane sum of four products: one position at a time.
            default: MultiplyLanes<uint, int, ScalarDot>(ref p0, ref w0, ref s0, s.OutChannels, groups, padded, stride, layer.PaddedDepth); break;
        }
        for (int c = 0; c < layer.Outputs; c++)
            RequantizePlane(sums.Slice(c * stride, positions), layer.Multipliers[c], layer.Offsets[c], y.Slice(c * positions, positions), output, activation);
    }

    /// <summary>
    /// <c>sums[c · positions + p] = Σ_g Σ_j packed[g][p][j] · w[c][4g + j]</c>: four vectors of positions at a time (four
    /// independent sums, one broadcast of the weights for all four), then one vector at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyLanes<TIn, TAcc, TDot>(ref byte packed, ref sbyte weights, ref int sums, int channels, int groups, int positions, int stride, int weightStride)
        where TIn : unmanaged where TAcc : unmanaged where TDot : struct, IInt8Lanes<TIn, TAcc>
    {
        int step = 4 * TDot.Lanes, groupBytes = 4 * stride, vectorBytes = 4 * TDot.Lanes;
        for (int c = 0; c < channels; c++)
        {
            ref byte wc = ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref weights, c * weightStride));
            ref int target = ref Unsafe.Add(ref sums, c * stride);
            int p = 0;
            for (; p + step <= positions; p += step)
            {
                TAcc a0 = TDot.Zero, a1 = TDot.Zero, a2 = TDot.Zero, a3 = TDot.Zero;
                ref byte src = ref Unsafe.Add(ref packed, 4 * p);
                ref byte w = ref wc;
                for (int g = 0; g < groups; g++)
                {
                    int four = Unsafe.ReadUnaligned<int>(ref w);
                    a0 = TDot.MultiplyAddBroadcast(a0, TDot.Load(ref src, 0), four);
                    a1 = TDot.MultiplyAddBroadcast(a1, TDot.Load(ref src, vectorBytes), four);
                    a2 = TDot.MultiplyAddBroadcast(a2, TDot.Load(ref src, 2 * vectorBytes), four);
                    a3 = TDot.MultiplyAddBroadcast(a3, TDot.Load(ref src, 3 * vectorBytes), four);
                    src = ref Unsafe.Add(ref src, groupBytes);
                    w = ref Unsafe.Add(ref w, 4);
                }
                TDot.Store(a0, ref Unsafe.Add(ref target, p));
                TDot.Store(a1, ref Unsafe.Add(ref target, p + TDot.Lanes));
                TDot.Store(a2, ref Unsafe.Add(ref target, p + 2 * TDot.Lanes));
                TDot.Store(a3, ref Unsafe.Add(ref target, p + 3 * TDot.Lanes));
            }
            for (; p < positions; p += TDot.Lanes)
            {
                TAcc acc = TDot.Zero;
                ref byte src = ref Unsafe.Add(ref packed, 4 * p);
                ref byte w = ref wc;
                for (int g = 0; g < groups; g++)
                {
                    acc = TDot.MultiplyAddBroadcast(acc, TDot.Load(ref src, 0), Unsafe.ReadUnaligned<int>(ref w));
                    src = ref Unsafe.Add(ref src, groupBytes);
                    w = ref Unsafe.Add(ref w, 4);
                }
                TDot.Store(acc, ref Unsafe.Add(ref target, p));
            }
        }
    }

    /// <summary>
    /// The receptive fields, transposed: int32 [group][position] where each int holds four consecutive taps (c, ky, kx order,
    /// as the weights) of one position. Positions past the plane (up to a multiple of 8) hold levels of no consequence.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReadOnlySpan<byte> Im2ColByPosition(ReadOnlySpan<byte> x, int zeroPoint, Conv2DShape s, Span<byte> workspace, bool shuffled)
    {
        int inChannels = s.InChannels, inHeight = s.InHeight, inWidth = s.InWidth, kernelHeight = s.KernelHeight, kernelWidth = s.KernelWidth;
        int strideHeight = s.StrideHeight, strideWidth = s.StrideWidth, outHeight = s.OutHeight, outWidth = s.OutWidth;
        int paddedHeight = inHeight + 2 * s.PadHeight, paddedWidth = inWidth + 2 * s.PadWidth;
        int positions = s.Positions, padded = PackedStride(s), groups = TapGroups(s), rowBytes = 4 * groups;

        // The input's planes inside a border of the zero point (the level of 0), then slack for the reads past the last row.
        int planesLength = PaddedPlanesLength(s);
        var planes = workspace.Slice(0, planesLength + PlaneSlack);
        if (s.PadHeight > 0 || s.PadWidth > 0) planes.Slice(0, planesLength).Fill((byte)zeroPoint);
        planes.Slice(planesLength).Clear();
        for (int c = 0; c < inChannels; c++)
            for (int iy = 0; iy < inHeight; iy++)
                x.Slice((c * inHeight + iy) * inWidth, inWidth).CopyTo(planes.Slice((c * paddedHeight + iy + s.PadHeight) * paddedWidth + s.PadWidth));
        var packed = workspace.Slice(planesLength + PlaneSlack + positions * rowBytes + 8, 4 * groups * padded);
        if (shuffled && strideHeight == 1 && strideWidth == 1 && groups <= MaxShuffledGroups)
        {
            PackShuffled(planes, packed, s, paddedHeight, paddedWidth, groups, padded);
            return packed;
        }

        // Each position's receptive field as one row of 4 · groups bytes. A kernel row at most 8 wide is copied as 8 bytes:
        // the extra bytes are overwritten by the next copy, or land past the patch (multiplied by zero weights), or in the
        // next row (written after) or the slack; all are levels ≤ 127.
        var rows = workspace.Slice(planesLength + PlaneSlack, positions * rowBytes + 8);
        ref byte r0 = ref MemoryMarshal.GetReference(rows);
        ref byte src0 = ref MemoryMarshal.GetReference(planes);
        bool narrow = kernelWidth <= 8;
        int position = 0;
        for (int oy = 0; oy < outHeight; oy++)
            for (int ox = 0; ox < outWidth; ox++, position++)
            {
                ref byte row = ref Unsafe.Add(ref r0, position * rowBytes);
                ref byte corner = ref Unsafe.Add(ref src0, oy * strideHeight * paddedWidth + ox * strideWidth);
                int k = 0;
                for (int c = 0; c < inChannels; c++)
                    for (int ky = 0; ky < kernelHeight; ky++, k += kernelWidth)
                    {
                        ref byte src = ref Unsafe.Add(ref corner, (c * paddedHeight + ky) * paddedWidth);
                        if (narrow) Unsafe.WriteUnaligned(ref Unsafe.Add(ref row, k), Unsafe.ReadUnaligned<ulong>(ref src));
                        else Unsafe.CopyBlockUnaligned(ref Unsafe.Add(ref row, k), ref src, (uint)kernelWidth);
                    }
            }

        // Transposed to [group][position] ints.
        ref int packed0 = ref Unsafe.As<byte, int>(ref MemoryMarshal.GetReference(packed));
        const int start = 0;
        for (int g = 0; g < groups; g++)
        {
            ref byte column = ref Unsafe.Add(ref r0, 4 * g);
            ref int target = ref Unsafe.Add(ref packed0, g * padded);
            for (int p = start; p < positions; p++)
                Unsafe.Add(ref target, p) = Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref column, p * rowBytes));
        }
        return packed;
    }

    /// <summary>The most tap groups <see cref="PackShuffled"/> describes on the stack (a larger receptive field takes the rows).</summary>
    private const int MaxShuffledGroups = 512;

    /// <summary>
    /// Stride 1, AVX2: the transposed receptive fields straight from the planes, eight positions of an output row at a time.
    /// A group's four taps are at most four runs of consecutive bytes in the planes (a run ends at a kernel row's end); for
    /// eight neighbouring positions a run is one 16-byte load, shuffled (<c>vpshufb</c>) to the run's bytes of each position's
    /// int and zero elsewhere, and the runs are or-ed. A row's last block may run past the row: its extra positions are the
    /// next row's, written again after, or land in the one spare block; taps past the patch are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackShuffled(Span<byte> planes, Span<byte> packed, Conv2DShape s, int paddedHeight, int paddedWidth, int groups, int stride)
    {
        int kernelHeight = s.KernelHeight, kernelWidth = s.KernelWidth, patch = s.PatchLength, outHeight = s.OutHeight, outWidth = s.OutWidth;
        // Runs: per group up to four (offset in the planes from a position's corner, first tap, length).
        Span<int> runOffset = stackalloc int[4 * groups];
        Span<byte> runShape = stackalloc byte[4 * groups]; // first tap · 4 + length − 1
        Span<byte> runCount = stackalloc byte[groups];
        int previous = int.MinValue;
        for (int k = 0; k < patch; k++)
        {
            int c = k / (kernelHeight * kernelWidth), ky = k / kernelWidth % kernelHeight, kx = k % kernelWidth;
            int offset = (c * paddedHeight + ky) * paddedWidth + kx, g = k >> 2, j = k & 3;
            int last = 4 * g + runCount[g] - 1;
            if (j > 0 && offset == previous + 1) runShape[last]++; // the run goes on (length − 1 in the low bits)
            else
            {
                runOffset[4 * g + runCount[g]] = offset;
                runShape[4 * g + runCount[g]] = (byte)(j * 4);
                runCount[g]++;
            }
            previous = offset;
        }
        // Flattened, so the loop below reads them without bounds checks: the runs in group order, each its offset and the byte
        // offset of its shuffle control, and where each group's runs end.
        int runs = 0;
        for (int g = 0; g < groups; g++) runs += runCount[g];
        Span<int> offsets = stackalloc int[runs];
        Span<int> controls = stackalloc int[runs];
        Span<int> ends = stackalloc int[groups];
        for (int g = 0, r = 0; g < groups; g++)
        {
            for (int i = 0; i < runCount[g]; i++, r++)
            {
                offsets[r] = runOffset[4 * g + i];
                controls[r] = 32 * runShape[4 * g + i];
            }
            ends[g] = r;
        }
        ref byte planes0 = ref MemoryMarshal.GetReference(planes);
        ref int packed0 = ref Unsafe.As<byte, int>(ref MemoryMarshal.GetReference(packed));
        ref byte patterns0 = ref MemoryMarshal.GetArrayDataReference(ShufflePatterns);
        ref int offsets0 = ref MemoryMarshal.GetReference(offsets);
        ref int controls0 = ref MemoryMarshal.GetReference(controls);
        ref int ends0 = ref MemoryMarshal.GetReference(ends);
        int position = 0;
        bool twoRuns = true;
        for (int g = 0; g < groups; g++) twoRuns &= runCount[g] <= 2;
        if (twoRuns)
        {
            // Kernels at least 3 wide: a group is one or two runs. Every group takes two (the second of a one-run group is
            // shuffled to zero), so the loop has no branch that depends on the group.
            Span<int> second = stackalloc int[2 * groups];
            for (int g = 0; g < groups; g++)
            {
                int first = g == 0 ? 0 : ends[g - 1];
                bool two = ends[g] - first == 2;
                second[2 * g] = two ? offsets[first + 1] : offsets[first];
                second[2 * g + 1] = two ? controls[first + 1] : ZeroPattern;
            }
            Span<int> firstRuns = stackalloc int[2 * groups];
            for (int g = 0; g < groups; g++)
            {
                int first = g == 0 ? 0 : ends[g - 1];
                firstRuns[2 * g] = offsets[first];
                firstRuns[2 * g + 1] = controls[first];
            }
            ref int a0 = ref MemoryMarshal.GetReference(firstRuns);
            ref int b0 = ref MemoryMarshal.GetReference(second);
            for (int oy = 0; oy < outHeight; oy++)
            {
                for (int ox = 0; ox < outWidth; ox += 8)
                {
                    ref byte corner = ref Unsafe.Add(ref planes0, oy * paddedWidth + ox);
                    ref int target = ref Unsafe.Add(ref packed0, position + ox);
                    for (int g = 0; g < groups; g++)
                    {
                        var a = Vector128.LoadUnsafe(ref Unsafe.Add(ref corner, Unsafe.Add(ref a0, 2 * g)));
                        var b = Vector128.LoadUnsafe(ref Unsafe.Add(ref corner, Unsafe.Add(ref b0, 2 * g)));
                        var quads = Avx2.Shuffle(Vector256.Create(a, a), Vector256.LoadUnsafe(ref patterns0, (nuint)Unsafe.Add(ref a0, 2 * g + 1)))
                                  | Avx2.Shuffle(Vector256.Create(b, b), Vector256.LoadUnsafe(ref patterns0, (nuint)Unsafe.Add(ref b0, 2 * g + 1)));
                        quads.AsInt32().StoreUnsafe(ref target);
                        target = ref Unsafe.Add(ref target, stride);
                    }
                }
                position += outWidth;
            }
            return;
        }
        for (int oy = 0; oy < outHeight; oy++)
        {
            for (int ox = 0; ox < outWidth; ox += 8)
            {
                ref byte corner = ref Unsafe.Add(ref planes0, oy * paddedWidth + ox);
                ref int target = ref Unsafe.Add(ref packed0, position + ox);
                int r = 0;
                for (int g = 0; g < groups; g++)
                {
                    var quads = Vector256<byte>.Zero;
                    for (int end = Unsafe.Add(ref ends0, g); r < end; r++)
                    {
                        var bytes = Vector128.LoadUnsafe(ref Unsafe.Add(ref corner, Unsafe.Add(ref offsets0, r)));
                        quads |= Avx2.Shuffle(Vector256.Create(bytes, bytes), Vector256.LoadUnsafe(ref patterns0, (nuint)Unsafe.Add(ref controls0, r)));
                    }
                    quads.AsInt32().StoreUnsafe(ref target);
                    target = ref Unsafe.Add(ref target, stride);
                }
            }
            position += outWidth;
        }
    }

    /// <summary>
    /// The <c>vpshufb</c> controls, 32 bytes per run shape (first tap · 4 + length − 1), that put a run's bytes in each of eight
    /// positions' ints: for position i (0…3 in the low lane, 4…7 in the high) and tap j of the run (first ≤ j &lt; first + length),
    /// byte i + j − first of the 16 loaded; zero elsewhere.
    /// </summary>
    private static readonly byte[] ShufflePatterns = MakeShufflePatterns();

    /// <summary>The byte offset in <see cref="ShufflePatterns"/> of a control that zeroes every byte.</summary>
    private const int ZeroPattern = 16 * 32;

    private static byte[] MakeShufflePatterns()
    {
        var patterns = new byte[17 * 32];
        patterns.AsSpan(ZeroPattern).Fill(0x80);
        for (int shape = 0; shape < 16; shape++)
        {
            int first = shape >> 2, length = (shape & 3) + 1;
            for (int i = 0; i < 8; i++)
                for (int j = 0; j < 4; j++)
                    patterns[32 * shape + 4 * i + j] = j >= first && j < first + length ? (byte)(i + j - first) : (byte)0x80;
        }
        return patterns;
    }

    // ---------------------------------------------------------------- pooling

    /// <summary>
    /// One sample's max pooling on levels: the quantisation is monotonic, so the maximum level is the level of the maximum
    /// and the output keeps the input's quantisation. Windows skip the padding (max pooling pads with −∞).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxPool(ReadOnlySpan<byte> x, Span<byte> y, Pool2DShape s)
    {
        const string kernel = "Int8Kernels.MaxPool";
        s.Validate();
        KernelChecks.AtLeast(kernel, nameof(x), x.Length, s.InputSize);
        KernelChecks.AtLeast(kernel, nameof(y), y.Length, s.OutputSize);
        int channels = s.Channels, inHeight = s.InHeight, inWidth = s.InWidth, outHeight = s.OutHeight, outWidth = s.OutWidth;
        int sizeHeight = s.SizeHeight, sizeWidth = s.SizeWidth, strideHeight = s.StrideHeight, strideWidth = s.StrideWidth, padHeight = s.PadHeight, padWidth = s.PadWidth;
        int plane = inHeight * inWidth, outPlane = outHeight * outWidth;
        bool twoByTwo = sizeHeight == 2 && sizeWidth == 2 && strideHeight == 2 && strideWidth == 2 && padHeight == 0 && padWidth == 0 && Vector128.IsHardwareAccelerated;
        ref byte x0 = ref MemoryMarshal.GetReference(x);
        ref byte y0 = ref MemoryMarshal.GetReference(y);
        for (int c = 0; c < channels; c++)
        {
            for (int oy = 0; oy < outHeight; oy++)
            {
                int ox = 0;
                if (twoByTwo)
                {
                    // Eight windows at a time: the larger of the two rows, then the larger byte of each pair. A chunk may run
                    // past the row (reading the next rows, writing the next outputs, which are written again after, in order,
                    // or the output's padding, with levels ≤ 127) while it stays inside both spans.
                    int top = c * plane + 2 * oy * inWidth, target = c * outPlane + oy * outWidth;
                    for (; ox < outWidth && top + inWidth + 2 * ox + 16 <= x.Length && target + ox + 8 <= y.Length; ox += 8)
                    {
                        var rows = Vector128.Max(Vector128.LoadUnsafe(ref x0, (nuint)(top + 2 * ox)), Vector128.LoadUnsafe(ref x0, (nuint)(top + inWidth + 2 * ox))).AsUInt16();
                        var pairs = Vector128.Max(rows & Vector128.Create((ushort)0xFF), Vector128.ShiftRightLogical(rows, 8));
                        Unsafe.WriteUnaligned(ref Unsafe.Add(ref y0, target + ox), Vector128.Narrow(pairs, pairs).AsUInt64().ToScalar());
                    }
                }
                for (; ox < outWidth; ox++)
                {
                    int best = -1;
                    for (int ky = 0; ky < sizeHeight; ky++)
                    {
                        int iy = oy * strideHeight - padHeight + ky;
                        if ((uint)iy >= (uint)inHeight) continue;
                        for (int kx = 0; kx < sizeWidth; kx++)
                        {
                            int ix = ox * strideWidth - padWidth + kx;
                            if ((uint)ix < (uint)inWidth) best = Math.Max(best, Unsafe.Add(ref x0, c * plane + iy * inWidth + ix));
                        }
                    }
                    Unsafe.Add(ref y0, c * outPlane + oy * outWidth + ox) = (byte)best;
                }
            }
        }
    }
}
