using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Compiled.Nets.Kernels;

namespace Compiled.Nets.Quantization;

/// <summary>
/// The int8 inference kernels that generated <c>Quantized</c> models call with constant shapes: quantising the input,
/// dense and convolution layers (int32 sums of u7 activations × s8 weights, then the per-channel epilogue in float),
/// max pooling on the stored levels, and dequantising. Activations are bytes in [0, 127] (<see cref="ActivationQuantization"/>);
/// every row a product reads is padded to <see cref="DepthAlignment"/> bytes. Every entry point checks its spans.
/// </summary>
public static class Int8Kernels
{
    /// <summary>Rows of activations and weights are padded to this many bytes (a 256-bit vector), with zero weights.</summary>
    public const int DepthAlignment = 32;

    /// <summary>The dot-product form this CPU runs natively; the kernels use it unless a test asks for another.</summary>
    public static Int8Path BestPath { get; } = ChoosePath();

    private static Int8Path ChoosePath()
    {
        if (AvxVnni.IsSupported && Vector256.IsHardwareAccelerated) return Int8Path.AvxVnni;
        if (Avx2.IsSupported && Vector256.IsHardwareAccelerated) return Int8Path.Avx2;
        if (Dp.IsSupported) return Int8Path.ArmDotProduct;
        if (Vector128.IsHardwareAccelerated) return Int8Path.Vector128;
        return Int8Path.Scalar;
    }

    /// <summary>Whether <paramref name="path"/> runs natively here (never an emulated width).</summary>
    public static bool IsSupported(Int8Path path) => path switch
    {
        Int8Path.Scalar => true,
        Int8Path.Vector128 => Vector128.IsHardwareAccelerated,
        Int8Path.ArmDotProduct => Dp.IsSupported,
        Int8Path.Avx2 => Avx2.IsSupported && Vector256.IsHardwareAccelerated,
        Int8Path.AvxVnni => AvxVnni.IsSupported && Vector256.IsHardwareAccelerated,
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

    /// <summary>Eight scaled values to their levels (round half to even, add the zero point, clamp), as eight bytes in a ulong.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong PackLevels(Vector256<float> scaled, Vector256<int> zeroPoint)
    {
        var clamped = Vector256.Min(Vector256.Max(scaled, Vector256.Create(-Saturation)), Vector256.Create(Saturation));
        var levels = Vector256.ConvertToInt32(Vector256.Round(clamped)) + zeroPoint;
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
            for (; p + 8 <= sums.Length; p += 8)
            {
                var z = Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref s0, (nuint)p)) * m + o;
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref y0, p), PackLevels(activation.Apply(z) * inv, zp));
            }
        }
        for (; p < sums.Length; p++) y[p] = Level(activation.Apply(sums[p] * multiplier + offset) * inverse, zero);
    }

    // ---------------------------------------------------------------- convolution

    /// <summary>Bytes of workspace <see cref="Conv2D"/> needs: the zero-point-bordered planes (plus 8 bytes of slack) and the patch rows.</summary>
    public static int Conv2DWorkspaceLength(Conv2DShape shape) =>
        checked(PaddedPlanesLength(shape) + 8 + shape.Positions * PaddedDepth(shape.PatchLength) + 8);

    /// <summary>Ints of scratch <see cref="Conv2D"/> needs: one sum per output value.</summary>
    public static int Conv2DSumsLength(Conv2DShape shape) => shape.OutputSize;

    private static int PaddedPlanesLength(Conv2DShape s) => checked(s.InChannels * (s.InHeight + 2 * s.PadHeight) * (s.InWidth + 2 * s.PadWidth));

    /// <summary>
    /// One sample's convolution (groups of 1): the receptive fields are copied as rows of levels (im2col, padding at the input's
    /// zero point), multiplied by the weight rows, and each channel's plane requantised into <paramref name="y"/> ([OutChannels, OutHeight, OutWidth]).
    /// <paramref name="x"/> holds at least the input's [InChannels, InHeight, InWidth] levels.
    /// </summary>
    public static void Conv2D<TAct>(ReadOnlySpan<byte> x, QuantizedLinear layer, Conv2DShape shape, Span<byte> workspace, Span<int> sums,
        Span<byte> y, TAct activation) where TAct : struct, IActivation
    {
        const string kernel = "Int8Kernels.Conv2D";
        var output = layer.Output ?? throw new ArgumentException($"{kernel}: {layer.Name} writes floats (it has no output quantisation).", nameof(layer));
        var patches = Im2Col(kernel, x, layer, shape, workspace, sums);
        KernelChecks.AtLeast(kernel, nameof(y), y.Length, shape.OutputSize);
        int positions = shape.Positions;
        Multiply(BestPath, ref MemoryMarshal.GetReference(patches), ref MemoryMarshal.GetReference(layer.PaddedWeights), ref MemoryMarshal.GetReference(sums),
            positions, layer.Outputs, layer.PaddedDepth, 1, positions);
        for (int c = 0; c < layer.Outputs; c++)
            RequantizePlane(sums.Slice(c * positions, positions), layer.Multipliers[c], layer.Offsets[c], y.Slice(c * positions, positions), output, activation);
    }

    private static ReadOnlySpan<byte> Im2Col(string kernel, ReadOnlySpan<byte> x, QuantizedLinear layer, Conv2DShape s, Span<byte> workspace, Span<int> sums)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (s.Groups != 1) throw new ArgumentException($"{kernel}: grouped convolutions have no int8 form.", nameof(s));
        if (layer.Outputs != s.OutChannels || layer.Depth != s.PatchLength)
            throw new ArgumentException($"{kernel}: {layer.Name} has {layer.Outputs}×{layer.Depth} weights; the shape needs {s.OutChannels}×{s.PatchLength}.", nameof(layer));
        KernelChecks.AtLeast(kernel, nameof(x), x.Length, s.InputSize);
        KernelChecks.AtLeast(kernel, nameof(workspace), workspace.Length, Conv2DWorkspaceLength(s));
        KernelChecks.AtLeast(kernel, nameof(sums), sums.Length, Conv2DSumsLength(s));

        // The input's planes inside a border of the zero point (the level of 0), then 8 bytes of slack for the 8-byte copies.
        int paddedHeight = s.InHeight + 2 * s.PadHeight, paddedWidth = s.InWidth + 2 * s.PadWidth;
        int planesLength = PaddedPlanesLength(s);
        var planes = workspace.Slice(0, planesLength + 8);
        if (s.PadHeight > 0 || s.PadWidth > 0) planes.Slice(0, planesLength).Fill((byte)layer.Input.ZeroPoint);
        planes.Slice(planesLength).Clear();
        for (int c = 0; c < s.InChannels; c++)
            for (int iy = 0; iy < s.InHeight; iy++)
                x.Slice((c * s.InHeight + iy) * s.InWidth, s.InWidth)
                    .CopyTo(planes.Slice((c * paddedHeight + iy + s.PadHeight) * paddedWidth + s.PadWidth));

        // Each position's receptive field as one row of PaddedDepth bytes, in the weights' (c, ky, kx) order. A row of the
        // kernel is copied as 8 bytes when it is at most 8 wide: the extra bytes are overwritten by the next copy, or land in
        // the row's padding (multiplied by zero weights), or in the next row (written after) or the slack; all are levels ≤ 127.
        int depth = layer.PaddedDepth;
        var patches = workspace.Slice(planesLength + 8, s.Positions * depth + 8);
        ref byte p0 = ref MemoryMarshal.GetReference(patches);
        ref byte src0 = ref MemoryMarshal.GetReference(planes);
        bool narrow = s.KernelWidth <= 8;
        int position = 0;
        for (int oy = 0; oy < s.OutHeight; oy++)
            for (int ox = 0; ox < s.OutWidth; ox++, position++)
            {
                ref byte row = ref Unsafe.Add(ref p0, position * depth);
                int k = 0;
                for (int c = 0; c < s.InChannels; c++)
                    for (int ky = 0; ky < s.KernelHeight; ky++, k += s.KernelWidth)
                    {
                        ref byte src = ref Unsafe.Add(ref src0, (c * paddedHeight + oy * s.StrideHeight + ky) * paddedWidth + ox * s.StrideWidth);
                        if (narrow) Unsafe.WriteUnaligned(ref Unsafe.Add(ref row, k), Unsafe.ReadUnaligned<ulong>(ref src));
                        else Unsafe.CopyBlockUnaligned(ref Unsafe.Add(ref row, k), ref src, (uint)s.KernelWidth);
                    }
            }
        return patches.Slice(0, s.Positions * depth);
    }

    // ---------------------------------------------------------------- pooling

    /// <summary>
    /// One sample's max pooling on levels: the quantisation is monotonic, so the maximum level is the level of the maximum
    /// and the output keeps the input's quantisation. Windows skip the padding (max pooling pads with −∞).
    /// </summary>
    public static void MaxPool(ReadOnlySpan<byte> x, Span<byte> y, Pool2DShape s)
    {
        const string kernel = "Int8Kernels.MaxPool";
        s.Validate();
        KernelChecks.AtLeast(kernel, nameof(x), x.Length, s.InputSize);
        KernelChecks.AtLeast(kernel, nameof(y), y.Length, s.OutputSize);
        int plane = s.InHeight * s.InWidth, outPlane = s.OutHeight * s.OutWidth;
        bool twoByTwo = s.SizeHeight == 2 && s.SizeWidth == 2 && s.StrideHeight == 2 && s.StrideWidth == 2 && s.PadHeight == 0 && s.PadWidth == 0;
        for (int c = 0; c < s.Channels; c++)
        {
            var input = x.Slice(c * plane, plane);
            var outputs = y.Slice(c * outPlane, outPlane);
            for (int oy = 0; oy < s.OutHeight; oy++)
            {
                int ox = 0;
                if (twoByTwo && Vector128.IsHardwareAccelerated)
                {
                    // Eight windows at a time: the larger of the two rows, then the larger byte of each pair.
                    ref byte top = ref Unsafe.AsRef(in input[2 * oy * s.InWidth]);
                    ref byte bottom = ref Unsafe.Add(ref top, s.InWidth);
                    ref byte target = ref outputs[oy * s.OutWidth];
                    for (; 2 * ox + 16 <= s.InWidth; ox += 8)
                    {
                        var rows = Vector128.Max(Vector128.LoadUnsafe(ref top, (nuint)(2 * ox)), Vector128.LoadUnsafe(ref bottom, (nuint)(2 * ox))).AsUInt16();
                        var pairs = Vector128.Max(rows & Vector128.Create((ushort)0xFF), Vector128.ShiftRightLogical(rows, 8));
                        Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, ox), Vector128.Narrow(pairs, pairs).AsUInt64().ToScalar());
                    }
                }
                for (; ox < s.OutWidth; ox++)
                {
                    int best = -1;
                    for (int ky = 0; ky < s.SizeHeight; ky++)
                    {
                        int iy = oy * s.StrideHeight - s.PadHeight + ky;
                        if ((uint)iy >= (uint)s.InHeight) continue;
                        for (int kx = 0; kx < s.SizeWidth; kx++)
                        {
                            int ix = ox * s.StrideWidth - s.PadWidth + kx;
                            if ((uint)ix < (uint)s.InWidth) best = Math.Max(best, input[iy * s.InWidth + ix]);
                        }
                    }
                    outputs[oy * s.OutWidth + ox] = (byte)best;
                }
            }
        }
    }
}
