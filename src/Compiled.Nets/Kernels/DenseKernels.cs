using System.ComponentModel;
using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// Register-blocked SIMD kernels for dense layers, called by generated code with constant shapes.
/// Every entry point checks its span lengths against the shape, so the unchecked inner loops cannot
/// read or write outside the spans.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DenseKernels
{
    /// <summary>
    /// Forward pass of a dense layer over a batch: <c>y[b, j] = f(bias[j] + Σ_k x[b, k] w[j, k])</c>,
    /// with <c>w</c> stored <c>[outSize, inSize]</c>. Bias and activation are applied per block of four rows while
    /// the rows are still in L1 (the fused epilogue).
    /// </summary>
    public static void Forward<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int batch, int inSize, int outSize, TAct activation) where TAct : struct, IActivation
    {
        const string kernel = "DenseKernels.Forward";
        CheckShape(kernel, batch, inSize, outSize);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * inSize);
        KernelChecks.Length(kernel, nameof(w), w.Length, (long)outSize * inSize);
        KernelChecks.Length(kernel, nameof(bias), bias.Length, outSize);
        KernelChecks.Length(kernel, nameof(y), y.Length, (long)batch * outSize);

        ForwardSplit(x, w, bias, y, batch, inSize, outSize, activation);
    }

    /// <summary>
    /// Multiply-adds a layer needs before one sample's output units are shared between cores: the MNIST MLP's first layer
    /// (100,352) is split, its second (8,192) is not. Below this the hand-off costs more than the half it saves.
    /// </summary>
    internal const long MinimumWorkToSplitUnits = 65_536;

    /// <summary>
    /// A batch of 8 or more is split into groups of four samples (the row tile), a smaller one into groups of four output units,
    /// across <see cref="BatchParallel"/>'s workers when the work pays for the hand-off. Each element is computed by the same
    /// sequence of operations either way, so the split changes no result.
    /// </summary>
    private static unsafe void ForwardSplit<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int batch, int inSize, int outSize, TAct activation) where TAct : struct, IActivation
    {
        long work = (long)batch * inSize * outSize;
        bool splitRows = batch >= 8;
        int groups = splitRows ? (batch + 3) / 4 : (outSize + 3) / 4;
        int parts = splitRows
            ? BatchParallel.PartsFor(groups, 4L * inSize * outSize)
            : work >= MinimumWorkToSplitUnits ? Math.Min(BatchParallel.Threads, groups) : 1;
        if (parts <= 1)
        {
            ForwardBlock(x, w, bias, y, 0, batch, 0, outSize, inSize, outSize, activation);
            return;
        }
        fixed (float* px = x, pw = w, pb = bias, py = y)
        {
            var job = ForwardJob<TAct>.Instance;
            job.Set(px, pw, pb, py, batch, inSize, outSize, splitRows, activation);
            BatchParallel.Run(job, groups, parts);
        }
    }

    /// <summary>Rows [b0, b1) × units [j0, j1) of the forward pass, bias and activation included.</summary>
    internal static void ForwardBlock<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int b0, int b1, int j0, int j1, int inSize, int outSize, TAct activation) where TAct : struct, IActivation
    {
        if (Vector512.IsHardwareAccelerated && UseVector512Depth(inSize)) ForwardBlock<Vector512<float>, Vector512Width, TAct>(x, w, bias, y, b0, b1, j0, j1, inSize, outSize, activation);
        else if (Vector256.IsHardwareAccelerated) ForwardBlock<Vector256<float>, Vector256Width, TAct>(x, w, bias, y, b0, b1, j0, j1, inSize, outSize, activation);
        else if (Vector128.IsHardwareAccelerated) ForwardBlock<Vector128<float>, Vector128Width, TAct>(x, w, bias, y, b0, b1, j0, j1, inSize, outSize, activation);
        else ForwardBlock<float, ScalarWidth, TAct>(x, w, bias, y, b0, b1, j0, j1, inSize, outSize, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ForwardBlock<TVector, TWidth, TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int b0, int b1, int j0, int j1, int inSize, int outSize, TAct activation)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TAct : struct, IActivation
    {
        Debug.Assert(0 <= b0 && b0 <= b1 && (long)b1 * inSize <= x.Length && (long)b1 * outSize <= y.Length, "rows inside the spans");
        Debug.Assert(0 <= j0 && j0 <= j1 && j1 <= outSize && (long)outSize * inSize <= w.Length && outSize <= bias.Length, "units inside the spans");
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        int units = j1 - j0;
        var unitBias = bias.Slice(j0, units);
        int b = b0;
        for (; b + 4 <= b1; b += 4)
        {
            ref float xb = ref Unsafe.Add(ref x0, b * inSize);
            ref float yb = ref Unsafe.Add(ref y0, b * outSize);
            int j = j0;
            if (ThirtyTwoVectorRegisters)
                for (; j + 4 <= j1; j += 4)
                    Dot4x4<TVector, TWidth>(ref xb, ref Unsafe.Add(ref w0, j * inSize), inSize, ref Unsafe.Add(ref yb, j), outSize);
            else
                for (; j + 3 <= j1; j += 3)
                    Dot4x3<TVector, TWidth>(ref xb, ref Unsafe.Add(ref w0, j * inSize), inSize, ref Unsafe.Add(ref yb, j), outSize);
            for (; j < j1; j++)
            {
                ref float wj = ref Unsafe.Add(ref w0, j * inSize);
                for (int r = 0; r < 4; r++)
                    Unsafe.Add(ref yb, r * outSize + j) = Dot<TVector, TWidth>(ref Unsafe.Add(ref xb, r * inSize), ref wj, inSize);
            }
            // Bias and activation while the four rows are still in L1 (the fused epilogue).
            for (int r = 0; r < 4; r++)
                BiasActivationRows<TVector, TWidth, TAct>(y.Slice((b + r) * outSize + j0, units), unitBias, units, activation);
        }
        for (; b < b1; b++)
        {
            ref float xb = ref Unsafe.Add(ref x0, b * inSize);
            ref float yb = ref Unsafe.Add(ref y0, b * outSize);
            int j = j0;
            for (; j + 8 <= j1; j += 8)
                Dot1x8<TVector, TWidth>(ref xb, ref Unsafe.Add(ref w0, j * inSize), inSize, ref Unsafe.Add(ref yb, j));
            for (; j + 4 <= j1; j += 4)
                Dot1x4<TVector, TWidth>(ref xb, ref Unsafe.Add(ref w0, j * inSize), inSize, ref Unsafe.Add(ref yb, j));
            for (; j < j1; j++)
                Unsafe.Add(ref yb, j) = Dot<TVector, TWidth>(ref xb, ref Unsafe.Add(ref w0, j * inSize), inSize);
            BiasActivationRows<TVector, TWidth, TAct>(y.Slice(b * outSize + j0, units), unitBias, units, activation);
        }
    }

    /// <summary>
    /// Whether the dot-product tiles run 512-bit vectors along a depth of <paramref name="depth"/>: only for whole 16-float
    /// vectors, as a depth of 120 would leave 8 products per sum to the scalar tail that 256-bit vectors cover exactly.
    /// </summary>
    private static bool UseVector512Depth(int depth) => depth >= 16 && depth % 16 == 0;

    /// <summary>One part of a split forward pass: groups of four samples, or of four output units (for a batch below 8).</summary>
    private sealed unsafe class ForwardJob<TAct> : IBatchJob where TAct : struct, IActivation
    {
        [ThreadStatic] private static ForwardJob<TAct>? _instance;
        public static ForwardJob<TAct> Instance => _instance ??= new ForwardJob<TAct>();
        private float* _x, _w, _bias, _y;
        private int _batch, _inSize, _outSize;
        private bool _splitRows;
        private TAct _activation;

        public void Set(float* x, float* w, float* bias, float* y, int batch, int inSize, int outSize, bool splitRows, TAct activation)
        {
            _x = x; _w = w; _bias = bias; _y = y;
            _batch = batch; _inSize = inSize; _outSize = outSize; _splitRows = splitRows; _activation = activation;
        }

        public void Run(int start, int end, int worker)
        {
            var x = new ReadOnlySpan<float>(_x, _batch * _inSize);
            var w = new ReadOnlySpan<float>(_w, _outSize * _inSize);
            var bias = new ReadOnlySpan<float>(_bias, _outSize);
            var y = new Span<float>(_y, _batch * _outSize);
            if (_splitRows) ForwardBlock(x, w, bias, y, 4 * start, Math.Min(4 * end, _batch), 0, _outSize, _inSize, _outSize, _activation);
            else ForwardBlock(x, w, bias, y, 0, _batch, 4 * start, Math.Min(4 * end, _outSize), _inSize, _outSize, _activation);
        }
    }

    /// <summary>
    /// Weight and bias gradients of a dense layer: adds to dW <c>dW[j, k] += Σ_b dz[b, j] x[b, k]</c> and to db
    /// <c>db[j] += Σ_b dz[b, j]</c>, where <c>dz</c> is the gradient at the pre-activation. Gradients are zeroed once
    /// per step and every op adds its share, so a weight read by several ops sums them; the tiles add their sums
    /// to dW as they store them (load, add, store), so accumulating costs no extra pass.
    /// </summary>
    public static void WeightGradient(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> dw, Span<float> db,
        int batch, int inSize, int outSize)
    {
        const string kernel = "DenseKernels.WeightGradient";
        CheckShape(kernel, batch, inSize, outSize);
        KernelChecks.Length(kernel, nameof(dz), dz.Length, (long)batch * outSize);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * inSize);
        KernelChecks.Length(kernel, nameof(dw), dw.Length, (long)outSize * inSize);
        KernelChecks.Length(kernel, nameof(db), db.Length, outSize);
        // dW = dzᵀ x: row j of dW gathers dz[·, j] (stride outSize) against the rows of x.
        MultiplyStridedSplit(dz, 1, outSize, x, dw, dw, outSize, inSize, batch, default(LinearActivation), accumulate: true);
        for (int b = 0; b < batch; b++) Add(db, dz.Slice(b * outSize, outSize));
    }

    /// <summary>
    /// dWᵀ += xᵀ dz without the bias: <c>dwT[k, j] += Σ_b x[b, k] dz[b, j]</c>, the weight gradient transposed, whose rows
    /// are the layer's outputs (as wide as dz's) rather than its inputs: for a narrow input (28 features) against many units
    /// (512 gates) the tiles run whole vectors along the units. Each element's sum is the one WeightGradient computes.
    /// </summary>
    internal static void WeightGradientTransposed(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> dwT, int batch, int inSize, int outSize)
    {
        const string kernel = "DenseKernels.WeightGradientTransposed";
        CheckShape(kernel, batch, inSize, outSize);
        KernelChecks.Length(kernel, nameof(dz), dz.Length, (long)batch * outSize);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * inSize);
        KernelChecks.Length(kernel, nameof(dwT), dwT.Length, (long)outSize * inSize);
        // Row k of dWᵀ gathers x[·, k] (stride inSize) against the rows of dz.
        MultiplyStridedSplit(x, 1, inSize, dz, dwT, dwT, inSize, outSize, batch, default(LinearActivation), accumulate: true);
    }

    /// <summary>
    /// Gradient at the previous layer's pre-activation: <c>dzPrev[b, k] = f′(yPrev[b, k]) Σ_j dz[b, j] w[j, k]</c>;
    /// the previous layer's activation derivative is applied in the kernel's epilogue, in registers.
    /// </summary>
    public static void InputGradient<TAct>(ReadOnlySpan<float> dz, ReadOnlySpan<float> w, ReadOnlySpan<float> yPrev, Span<float> dzPrev,
        int batch, int inSize, int outSize, TAct previousActivation) where TAct : struct, IActivation
    {
        const string kernel = "DenseKernels.InputGradient";
        CheckShape(kernel, batch, inSize, outSize);
        KernelChecks.Length(kernel, nameof(dz), dz.Length, (long)batch * outSize);
        KernelChecks.Length(kernel, nameof(w), w.Length, (long)outSize * inSize);
        KernelChecks.Length(kernel, nameof(yPrev), yPrev.Length, (long)batch * inSize);
        KernelChecks.Length(kernel, nameof(dzPrev), dzPrev.Length, (long)batch * inSize);
        MultiplyStridedSplit(dz, outSize, 1, w, dzPrev, yPrev, batch, inSize, outSize, previousActivation, accumulate: false);
    }

    /// <summary>
    /// <see cref="MultiplyStrided{TAct}"/> with C's rows shared between cores in groups of four (the row tile) when the work
    /// pays for the hand-off: dW by output unit, the input gradient by sample. Each element's sum runs in the same order
    /// either way, so the split changes no result. The caller has checked every span against the shape.
    /// </summary>
    private static unsafe void MultiplyStridedSplit<TAct>(ReadOnlySpan<float> a, int rowStride, int depthStride, ReadOnlySpan<float> b,
        Span<float> c, ReadOnlySpan<float> d, int rows, int cols, int depth, TAct derivative, bool accumulate) where TAct : struct, IActivation
    {
        int groups = (rows + 3) / 4;
        int parts = BatchParallel.PartsFor(groups, 4L * cols * depth);
        if (parts <= 1)
        {
            MultiplyStrided(ref MemoryMarshal.GetReference(a), rowStride, depthStride, ref MemoryMarshal.GetReference(b),
                ref MemoryMarshal.GetReference(c), ref MemoryMarshal.GetReference(d), rows, cols, depth, derivative, accumulate);
            return;
        }
        fixed (float* pa = a, pb = b, pc = c, pd = d)
        {
            var job = StridedJob<TAct>.Instance;
            job.Set(pa, rowStride, depthStride, pb, pc, pd, rows, cols, depth, derivative, accumulate);
            BatchParallel.Run(job, groups, parts);
        }
    }

    /// <summary>Rows [4·start, 4·end) of a split <see cref="MultiplyStrided{TAct}"/>.</summary>
    private sealed unsafe class StridedJob<TAct> : IBatchJob where TAct : struct, IActivation
    {
        [ThreadStatic] private static StridedJob<TAct>? _instance;
        public static StridedJob<TAct> Instance => _instance ??= new StridedJob<TAct>();
        private float* _a, _b, _c, _d;
        private int _rowStride, _depthStride, _rows, _cols, _depth;
        private TAct _derivative;
        private bool _accumulate;

        public void Set(float* a, int rowStride, int depthStride, float* b, float* c, float* d, int rows, int cols, int depth, TAct derivative, bool accumulate)
        {
            _a = a; _b = b; _c = c; _d = d;
            _rowStride = rowStride; _depthStride = depthStride; _rows = rows; _cols = cols; _depth = depth;
            _derivative = derivative; _accumulate = accumulate;
        }

        public void Run(int start, int end, int worker)
        {
            int r0 = 4 * start, r1 = Math.Min(4 * end, _rows);
            long row = (long)r0 * _cols;
            MultiplyStrided(ref _a[(long)r0 * _rowStride], _rowStride, _depthStride, ref *_b, ref _c[row], ref _d[row],
                r1 - r0, _cols, _depth, _derivative, _accumulate);
        }
    }

    /// <summary>y += bias per row, then y = f(y), vectorised; a last partial row (shorter than <paramref name="width"/>) is left alone.</summary>
    public static void BiasActivation<TAct>(Span<float> rows, ReadOnlySpan<float> bias, int width, TAct activation) where TAct : struct, IActivation
    {
        const string kernel = "DenseKernels.BiasActivation";
        KernelChecks.NonNegative(kernel, nameof(width), width);
        KernelChecks.AtLeast(kernel, nameof(bias), bias.Length, width);
        if (Vector256.IsHardwareAccelerated) BiasActivationRows<Vector256<float>, Vector256Width, TAct>(rows, bias, width, activation);
        else if (Vector128.IsHardwareAccelerated) BiasActivationRows<Vector128<float>, Vector128Width, TAct>(rows, bias, width, activation);
        else BiasActivationRows<float, ScalarWidth, TAct>(rows, bias, width, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BiasActivationRows<TVector, TWidth, TAct>(Span<float> rows, ReadOnlySpan<float> bias, int width, TAct activation)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TAct : struct, IActivation
    {
        if (width == 0) return; // no row to step through
        ref float b0 = ref MemoryMarshal.GetReference(bias);
        for (int start = 0; start + width <= rows.Length; start += width)
        {
            ref float r0 = ref MemoryMarshal.GetReference(rows.Slice(start, width));
            int j = 0;
            for (; j + TWidth.Count <= width; j += TWidth.Count)
                TWidth.Store(TWidth.Apply(activation, TWidth.Add(TWidth.Load(ref r0, j), TWidth.Load(ref b0, j))), ref r0, j);
            for (; j < width; j++) Unsafe.Add(ref r0, j) = activation.Apply(Unsafe.Add(ref r0, j) + Unsafe.Add(ref b0, j));
        }
    }

    /// <summary>y = f(y) in place, vectorised.</summary>
    public static void ApplyActivation<TAct>(Span<float> values, TAct activation) where TAct : struct, IActivation
    {
        if (Vector256.IsHardwareAccelerated) ApplyActivation<Vector256<float>, Vector256Width, TAct>(values, activation);
        else if (Vector128.IsHardwareAccelerated) ApplyActivation<Vector128<float>, Vector128Width, TAct>(values, activation);
        else ApplyActivation<float, ScalarWidth, TAct>(values, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyActivation<TVector, TWidth, TAct>(Span<float> values, TAct activation)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TAct : struct, IActivation
    {
        ref float v0 = ref MemoryMarshal.GetReference(values);
        int i = 0;
        for (; i + TWidth.Count <= values.Length; i += TWidth.Count)
            TWidth.Store(TWidth.Apply(activation, TWidth.Load(ref v0, i)), ref v0, i);
        // Four left over (a small layer's batch of outputs): one 128-bit step instead of four scalar calls.
        if (TWidth.Count > 4 && Vector128.IsHardwareAccelerated && i + 4 <= values.Length)
        {
            Vector128.StoreUnsafe(activation.Apply(Vector128.LoadUnsafe(ref v0, (nuint)i)), ref v0, (nuint)i);
            i += 4;
        }
        for (; i < values.Length; i++) Unsafe.Add(ref v0, i) = activation.Apply(Unsafe.Add(ref v0, i));
    }

    /// <summary>target += source.</summary>
    public static void Add(Span<float> target, ReadOnlySpan<float> source)
    {
        KernelChecks.Length("DenseKernels.Add", nameof(source), source.Length, target.Length);
        if (Vector256.IsHardwareAccelerated) Add<Vector256<float>, Vector256Width>(target, source);
        else if (Vector128.IsHardwareAccelerated) Add<Vector128<float>, Vector128Width>(target, source);
        else Add<float, ScalarWidth>(target, source);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Add<TVector, TWidth>(Span<float> target, ReadOnlySpan<float> source) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        ref float t0 = ref MemoryMarshal.GetReference(target);
        ref float s0 = ref MemoryMarshal.GetReference(source);
        int i = 0;
        for (; i + TWidth.Count <= target.Length; i += TWidth.Count)
            TWidth.Store(TWidth.Add(TWidth.Load(ref t0, i), TWidth.Load(ref s0, i)), ref t0, i);
        for (; i < target.Length; i++) Unsafe.Add(ref t0, i) += Unsafe.Add(ref s0, i);
    }

    private static void CheckShape(string kernel, int batch, int inSize, int outSize)
    {
        KernelChecks.NonNegative(kernel, nameof(batch), batch);
        KernelChecks.NonNegative(kernel, nameof(inSize), inSize);
        KernelChecks.NonNegative(kernel, nameof(outSize), outSize);
    }

    // ---- dot-product tiles for y = x wᵀ (both operands have k contiguous) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Dot<TVector, TWidth>(ref float a, ref float b, int n) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        int k = 0;
        float sum = 0f;
        if (n >= TWidth.Count)
        {
            var acc = TWidth.Zero;
            for (; k + TWidth.Count <= n; k += TWidth.Count)
                acc = TWidth.MultiplyAdd(TWidth.Load(ref a, k), TWidth.Load(ref b, k), acc);
            sum = TWidth.Sum(acc);
        }
        for (; k < n; k++) sum += Unsafe.Add(ref a, k) * Unsafe.Add(ref b, k);
        return sum;
    }

    /// <summary>A 1×4 tile: one row of x against four rows of w.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot1x4<TVector, TWidth>(ref float x, ref float w, int n, ref float y) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        ref float w1 = ref Unsafe.Add(ref w, n);
        ref float w2 = ref Unsafe.Add(ref w, 2 * n);
        ref float w3 = ref Unsafe.Add(ref w, 3 * n);
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int k = 0;
        if (n >= TWidth.Count)
        {
            TVector a0 = TWidth.Zero, a1 = TWidth.Zero, a2 = TWidth.Zero, a3 = TWidth.Zero;
            for (; k + TWidth.Count <= n; k += TWidth.Count)
            {
                var xv = TWidth.Load(ref x, k);
                a0 = TWidth.MultiplyAdd(xv, TWidth.Load(ref w, k), a0);
                a1 = TWidth.MultiplyAdd(xv, TWidth.Load(ref w1, k), a1);
                a2 = TWidth.MultiplyAdd(xv, TWidth.Load(ref w2, k), a2);
                a3 = TWidth.MultiplyAdd(xv, TWidth.Load(ref w3, k), a3);
            }
            s0 = TWidth.Sum(a0); s1 = TWidth.Sum(a1); s2 = TWidth.Sum(a2); s3 = TWidth.Sum(a3);
        }
        for (; k < n; k++)
        {
            float xk = Unsafe.Add(ref x, k);
            s0 += xk * Unsafe.Add(ref w, k); s1 += xk * Unsafe.Add(ref w1, k);
            s2 += xk * Unsafe.Add(ref w2, k); s3 += xk * Unsafe.Add(ref w3, k);
        }
        y = s0; Unsafe.Add(ref y, 1) = s1; Unsafe.Add(ref y, 2) = s2; Unsafe.Add(ref y, 3) = s3;
    }

    /// <summary>
    /// A 1×8 tile: one row of x against eight rows of w. Eight independent sums hide the multiply-add's latency that four
    /// leave exposed (one sample's product streams its weights from L2 and computes little on each); each unit's sum is
    /// Dot's, operation for operation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot1x8<TVector, TWidth>(ref float x, ref float w, int n, ref float y) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        if (n < TWidth.Count)
        {
            Dot1x4<TVector, TWidth>(ref x, ref w, n, ref y);
            Dot1x4<TVector, TWidth>(ref x, ref Unsafe.Add(ref w, 4 * n), n, ref Unsafe.Add(ref y, 4));
            return;
        }
        ref float w1 = ref Unsafe.Add(ref w, n);
        ref float w2 = ref Unsafe.Add(ref w, 2 * n);
        ref float w3 = ref Unsafe.Add(ref w, 3 * n);
        ref float w4 = ref Unsafe.Add(ref w, 4 * n);
        ref float w5 = ref Unsafe.Add(ref w, 5 * n);
        ref float w6 = ref Unsafe.Add(ref w, 6 * n);
        ref float w7 = ref Unsafe.Add(ref w, 7 * n);
        TVector a0 = TWidth.Zero, a1 = TWidth.Zero, a2 = TWidth.Zero, a3 = TWidth.Zero, a4 = TWidth.Zero, a5 = TWidth.Zero, a6 = TWidth.Zero, a7 = TWidth.Zero;
        int k = 0;
        for (; k + TWidth.Count <= n; k += TWidth.Count)
        {
            var xv = TWidth.Load(ref x, k);
            a0 = TWidth.MultiplyAdd(xv, TWidth.Load(ref w, k), a0);
            a1 = TWidth.MultiplyAdd(xv, TWidth.Load(ref w1, k), a1);
            a2 = TWidth.MultiplyAdd(xv, TWidth.Load(ref w2, k), a2);
            a3 = TWidth.MultiplyAdd(xv, TWidth.Load(ref w3, k), a3);
            a4 = TWidth.MultiplyAdd(xv, TWidth.Load(ref w4, k), a4);
            a5 = TWidth.MultiplyAdd(xv, TWidth.Load(ref w5, k), a5);
            a6 = TWidth.MultiplyAdd(xv, TWidth.Load(ref w6, k), a6);
            a7 = TWidth.MultiplyAdd(xv, TWidth.Load(ref w7, k), a7);
        }
        float s0 = TWidth.Sum(a0), s1 = TWidth.Sum(a1), s2 = TWidth.Sum(a2), s3 = TWidth.Sum(a3);
        float s4 = TWidth.Sum(a4), s5 = TWidth.Sum(a5), s6 = TWidth.Sum(a6), s7 = TWidth.Sum(a7);
        for (; k < n; k++)
        {
            float xk = Unsafe.Add(ref x, k);
            s0 += xk * Unsafe.Add(ref w, k); s1 += xk * Unsafe.Add(ref w1, k);
            s2 += xk * Unsafe.Add(ref w2, k); s3 += xk * Unsafe.Add(ref w3, k);
            s4 += xk * Unsafe.Add(ref w4, k); s5 += xk * Unsafe.Add(ref w5, k);
            s6 += xk * Unsafe.Add(ref w6, k); s7 += xk * Unsafe.Add(ref w7, k);
        }
        y = s0; Unsafe.Add(ref y, 1) = s1; Unsafe.Add(ref y, 2) = s2; Unsafe.Add(ref y, 3) = s3;
        Unsafe.Add(ref y, 4) = s4; Unsafe.Add(ref y, 5) = s5; Unsafe.Add(ref y, 6) = s6; Unsafe.Add(ref y, 7) = s7;
    }

    /// <summary>
    /// Whether the 4×4 tiles' 16 accumulators fit beside their operands: AVX-512 cores (32 registers even for 256-bit
    /// vectors) and ARM64 do; AVX2 and SSE have 16, where the 4×4 tile kept five accumulators on the stack (a load and a
    /// store per multiply-add for them) and the 4×3 tiles (12 accumulators, 3 operands, 1 broadcast) fit exactly.
    /// </summary>
    private static bool ThirtyTwoVectorRegisters => Avx512F.IsSupported || AdvSimd.IsSupported;

    /// <summary>A 4×3 tile for 16-register machines: four rows of x against three rows of w, twelve vector accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x3<TVector, TWidth>(ref float x, ref float w, int n, ref float y, int ldy) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        ref float x1 = ref Unsafe.Add(ref x, n);
        ref float x2 = ref Unsafe.Add(ref x, 2 * n);
        ref float x3 = ref Unsafe.Add(ref x, 3 * n);
        ref float w1 = ref Unsafe.Add(ref w, n);
        ref float w2 = ref Unsafe.Add(ref w, 2 * n);
        TVector a00 = TWidth.Zero, a01 = a00, a02 = a00;
        TVector a10 = a00, a11 = a00, a12 = a00;
        TVector a20 = a00, a21 = a00, a22 = a00;
        TVector a30 = a00, a31 = a00, a32 = a00;
        int k = 0;
        for (; k + TWidth.Count <= n; k += TWidth.Count)
        {
            var wv0 = TWidth.Load(ref w, k);
            var wv1 = TWidth.Load(ref w1, k);
            var wv2 = TWidth.Load(ref w2, k);
            var xv = TWidth.Load(ref x, k);
            a00 = TWidth.MultiplyAdd(xv, wv0, a00); a01 = TWidth.MultiplyAdd(xv, wv1, a01); a02 = TWidth.MultiplyAdd(xv, wv2, a02);
            xv = TWidth.Load(ref x1, k);
            a10 = TWidth.MultiplyAdd(xv, wv0, a10); a11 = TWidth.MultiplyAdd(xv, wv1, a11); a12 = TWidth.MultiplyAdd(xv, wv2, a12);
            xv = TWidth.Load(ref x2, k);
            a20 = TWidth.MultiplyAdd(xv, wv0, a20); a21 = TWidth.MultiplyAdd(xv, wv1, a21); a22 = TWidth.MultiplyAdd(xv, wv2, a22);
            xv = TWidth.Load(ref x3, k);
            a30 = TWidth.MultiplyAdd(xv, wv0, a30); a31 = TWidth.MultiplyAdd(xv, wv1, a31); a32 = TWidth.MultiplyAdd(xv, wv2, a32);
        }
        // The same order as Dot and Dot1x4 (vector sums, then the scalar tail), so the tile shape changes no result.
        float s00 = TWidth.Sum(a00), s01 = TWidth.Sum(a01), s02 = TWidth.Sum(a02);
        float s10 = TWidth.Sum(a10), s11 = TWidth.Sum(a11), s12 = TWidth.Sum(a12);
        float s20 = TWidth.Sum(a20), s21 = TWidth.Sum(a21), s22 = TWidth.Sum(a22);
        float s30 = TWidth.Sum(a30), s31 = TWidth.Sum(a31), s32 = TWidth.Sum(a32);
        for (; k < n; k++)
        {
            float wk0 = Unsafe.Add(ref w, k), wk1 = Unsafe.Add(ref w1, k), wk2 = Unsafe.Add(ref w2, k);
            float xk = Unsafe.Add(ref x, k);
            s00 += xk * wk0; s01 += xk * wk1; s02 += xk * wk2;
            xk = Unsafe.Add(ref x1, k);
            s10 += xk * wk0; s11 += xk * wk1; s12 += xk * wk2;
            xk = Unsafe.Add(ref x2, k);
            s20 += xk * wk0; s21 += xk * wk1; s22 += xk * wk2;
            xk = Unsafe.Add(ref x3, k);
            s30 += xk * wk0; s31 += xk * wk1; s32 += xk * wk2;
        }
        y = s00; Unsafe.Add(ref y, 1) = s01; Unsafe.Add(ref y, 2) = s02;
        ref float y1 = ref Unsafe.Add(ref y, ldy);
        y1 = s10; Unsafe.Add(ref y1, 1) = s11; Unsafe.Add(ref y1, 2) = s12;
        ref float y2 = ref Unsafe.Add(ref y, 2 * ldy);
        y2 = s20; Unsafe.Add(ref y2, 1) = s21; Unsafe.Add(ref y2, 2) = s22;
        ref float y3 = ref Unsafe.Add(ref y, 3 * ldy);
        y3 = s30; Unsafe.Add(ref y3, 1) = s31; Unsafe.Add(ref y3, 2) = s32;
    }

    /// <summary>A 4×4 tile: four rows of x against four rows of w, sixteen vector accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x4<TVector, TWidth>(ref float x, ref float w, int n, ref float y, int ldy) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        if (n < TWidth.Count)
        {
            for (int r = 0; r < 4; r++) Dot1x4<TVector, TWidth>(ref Unsafe.Add(ref x, r * n), ref w, n, ref Unsafe.Add(ref y, r * ldy));
            return;
        }
        ref float x1 = ref Unsafe.Add(ref x, n);
        ref float x2 = ref Unsafe.Add(ref x, 2 * n);
        ref float x3 = ref Unsafe.Add(ref x, 3 * n);
        ref float w1 = ref Unsafe.Add(ref w, n);
        ref float w2 = ref Unsafe.Add(ref w, 2 * n);
        ref float w3 = ref Unsafe.Add(ref w, 3 * n);
        TVector a00 = TWidth.Zero, a01 = a00, a02 = a00, a03 = a00;
        TVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        TVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        TVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int k = 0;
        for (; k + TWidth.Count <= n; k += TWidth.Count)
        {
            var wv0 = TWidth.Load(ref w, k);
            var wv1 = TWidth.Load(ref w1, k);
            var wv2 = TWidth.Load(ref w2, k);
            var wv3 = TWidth.Load(ref w3, k);
            var xv = TWidth.Load(ref x, k);
            a00 = TWidth.MultiplyAdd(xv, wv0, a00); a01 = TWidth.MultiplyAdd(xv, wv1, a01);
            a02 = TWidth.MultiplyAdd(xv, wv2, a02); a03 = TWidth.MultiplyAdd(xv, wv3, a03);
            xv = TWidth.Load(ref x1, k);
            a10 = TWidth.MultiplyAdd(xv, wv0, a10); a11 = TWidth.MultiplyAdd(xv, wv1, a11);
            a12 = TWidth.MultiplyAdd(xv, wv2, a12); a13 = TWidth.MultiplyAdd(xv, wv3, a13);
            xv = TWidth.Load(ref x2, k);
            a20 = TWidth.MultiplyAdd(xv, wv0, a20); a21 = TWidth.MultiplyAdd(xv, wv1, a21);
            a22 = TWidth.MultiplyAdd(xv, wv2, a22); a23 = TWidth.MultiplyAdd(xv, wv3, a23);
            xv = TWidth.Load(ref x3, k);
            a30 = TWidth.MultiplyAdd(xv, wv0, a30); a31 = TWidth.MultiplyAdd(xv, wv1, a31);
            a32 = TWidth.MultiplyAdd(xv, wv2, a32); a33 = TWidth.MultiplyAdd(xv, wv3, a33);
        }
        float s00 = TWidth.Sum(a00), s01 = TWidth.Sum(a01), s02 = TWidth.Sum(a02), s03 = TWidth.Sum(a03);
        float s10 = TWidth.Sum(a10), s11 = TWidth.Sum(a11), s12 = TWidth.Sum(a12), s13 = TWidth.Sum(a13);
        float s20 = TWidth.Sum(a20), s21 = TWidth.Sum(a21), s22 = TWidth.Sum(a22), s23 = TWidth.Sum(a23);
        float s30 = TWidth.Sum(a30), s31 = TWidth.Sum(a31), s32 = TWidth.Sum(a32), s33 = TWidth.Sum(a33);
        for (; k < n; k++)
        {
            float wk0 = Unsafe.Add(ref w, k), wk1 = Unsafe.Add(ref w1, k), wk2 = Unsafe.Add(ref w2, k), wk3 = Unsafe.Add(ref w3, k);
            float xk = Unsafe.Add(ref x, k);
            s00 += xk * wk0; s01 += xk * wk1; s02 += xk * wk2; s03 += xk * wk3;
            xk = Unsafe.Add(ref x1, k);
            s10 += xk * wk0; s11 += xk * wk1; s12 += xk * wk2; s13 += xk * wk3;
            xk = Unsafe.Add(ref x2, k);
            s20 += xk * wk0; s21 += xk * wk1; s22 += xk * wk2; s23 += xk * wk3;
            xk = Unsafe.Add(ref x3, k);
            s30 += xk * wk0; s31 += xk * wk1; s32 += xk * wk2; s33 += xk * wk3;
        }
        Store4(ref y, s00, s01, s02, s03);
        Store4(ref Unsafe.Add(ref y, ldy), s10, s11, s12, s13);
        Store4(ref Unsafe.Add(ref y, 2 * ldy), s20, s21, s22, s23);
        Store4(ref Unsafe.Add(ref y, 3 * ldy), s30, s31, s32, s33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(ref float y, float a, float b, float c, float d)
    {
        y = a; Unsafe.Add(ref y, 1) = b; Unsafe.Add(ref y, 2) = c; Unsafe.Add(ref y, 3) = d;
    }

    // ---- broadcast tiles for C = A B with A read through strides (A(r, k) = a[r·rowStride + k·depthStride]) ----

    /// <summary>
    /// <c>C[r, n] = g(D[r, n]) · Σ_k A(r, k) B[k, n]</c> for r &lt; rows, n &lt; cols, k &lt; depth, where B and C (and D)
    /// are row-major with <paramref name="cols"/> columns and g is the activation derivative (skipped for Linear);
    /// with <paramref name="accumulate"/> the result is added to C instead (after the scaling).
    /// Tiles of 4 rows × 4 vectors keep 16 vector accumulators in registers.
    /// </summary>
    private static void MultiplyStrided<TAct>(ref float a, int rowStride, int depthStride, ref float b,
        ref float c, ref float d, int rows, int cols, int depth, TAct derivative, bool accumulate) where TAct : struct, IActivation
    {
        if (Vector512.IsHardwareAccelerated && cols >= Vector512<float>.Count)
            MultiplyStrided<Vector512<float>, Vector512Width, TAct>(ref a, rowStride, depthStride, ref b, ref c, ref d, rows, cols, depth, derivative, accumulate);
        else if (Vector256.IsHardwareAccelerated)
            MultiplyStrided<Vector256<float>, Vector256Width, TAct>(ref a, rowStride, depthStride, ref b, ref c, ref d, rows, cols, depth, derivative, accumulate);
        else if (Vector128.IsHardwareAccelerated)
            MultiplyStrided<Vector128<float>, Vector128Width, TAct>(ref a, rowStride, depthStride, ref b, ref c, ref d, rows, cols, depth, derivative, accumulate);
        else
            MultiplyStrided<float, ScalarWidth, TAct>(ref a, rowStride, depthStride, ref b, ref c, ref d, rows, cols, depth, derivative, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MultiplyStrided<TVector, TWidth, TAct>(ref float a, int rowStride, int depthStride, ref float b,
        ref float c, ref float d, int rows, int cols, int depth, TAct derivative, bool accumulate)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TAct : struct, IActivation
    {
        bool scale = typeof(TAct) != typeof(LinearActivation);
        int wide = 4 * TWidth.Count, narrow = TWidth.Count;
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            ref float ar = ref Unsafe.Add(ref a, r * rowStride);
            int n = 0;
            if (ThirtyTwoVectorRegisters)
                for (; n + wide <= cols; n += wide)
                    Tile4x4<TVector, TWidth, TAct>(ref ar, rowStride, depthStride, ref Unsafe.Add(ref b, n), cols, ref Unsafe.Add(ref c, r * cols + n), ref Unsafe.Add(ref d, r * cols + n), depth, derivative, scale, accumulate);
            else
                for (; n + 3 * narrow <= cols; n += 3 * narrow)
                    Tile4x3<TVector, TWidth, TAct>(ref ar, rowStride, depthStride, ref Unsafe.Add(ref b, n), cols, ref Unsafe.Add(ref c, r * cols + n), ref Unsafe.Add(ref d, r * cols + n), depth, derivative, scale, accumulate);
            for (; n + narrow <= cols; n += narrow)
                Tile4x1<TVector, TWidth, TAct>(ref ar, rowStride, depthStride, ref Unsafe.Add(ref b, n), cols, ref Unsafe.Add(ref c, r * cols + n), ref Unsafe.Add(ref d, r * cols + n), depth, derivative, scale, accumulate);
            // Columns left by the widest tiles (120 = 64 + 3·16 + 8 at 512 bits, 84 = 80 + 4 at 256) go to narrower vectors
            // before scalars. Each column's sum runs over k in order at any width; only the scalar loop rounds the multiply
            // and the add apart. The one-row loop below does the same.
            if (narrow > 8 && n + 8 <= cols)
            {
                Tile4x1<Vector256<float>, Vector256Width, TAct>(ref ar, rowStride, depthStride, ref Unsafe.Add(ref b, n), cols, ref Unsafe.Add(ref c, r * cols + n), ref Unsafe.Add(ref d, r * cols + n), depth, derivative, scale, accumulate);
                n += 8;
            }
            if (narrow > 4 && n + 4 <= cols)
            {
                Tile4x1<Vector128<float>, Vector128Width, TAct>(ref ar, rowStride, depthStride, ref Unsafe.Add(ref b, n), cols, ref Unsafe.Add(ref c, r * cols + n), ref Unsafe.Add(ref d, r * cols + n), depth, derivative, scale, accumulate);
                n += 4;
            }
            for (int rr = r; rr < r + 4; rr++)
                ScalarColumns(ref Unsafe.Add(ref a, rr * rowStride), depthStride, ref b, cols, ref Unsafe.Add(ref c, rr * cols), ref Unsafe.Add(ref d, rr * cols), n, depth, derivative, scale, accumulate);
        }
        for (; r < rows; r++)
        {
            ref float ar = ref Unsafe.Add(ref a, r * rowStride);
            int n = 0;
            for (; n + wide <= cols; n += wide)
                Tile1x4<TVector, TWidth, TAct>(ref ar, depthStride, ref Unsafe.Add(ref b, n), cols, ref Unsafe.Add(ref c, r * cols + n), ref Unsafe.Add(ref d, r * cols + n), depth, derivative, scale, accumulate);
            for (; n + narrow <= cols; n += narrow)
                Tile1x1<TVector, TWidth, TAct>(ref ar, depthStride, ref Unsafe.Add(ref b, n), cols, ref Unsafe.Add(ref c, r * cols + n), ref Unsafe.Add(ref d, r * cols + n), depth, derivative, scale, accumulate);
            if (narrow > 8 && n + 8 <= cols)
            {
                Tile1x1<Vector256<float>, Vector256Width, TAct>(ref ar, depthStride, ref Unsafe.Add(ref b, n), cols, ref Unsafe.Add(ref c, r * cols + n), ref Unsafe.Add(ref d, r * cols + n), depth, derivative, scale, accumulate);
                n += 8;
            }
            if (narrow > 4 && n + 4 <= cols)
            {
                Tile1x1<Vector128<float>, Vector128Width, TAct>(ref ar, depthStride, ref Unsafe.Add(ref b, n), cols, ref Unsafe.Add(ref c, r * cols + n), ref Unsafe.Add(ref d, r * cols + n), depth, derivative, scale, accumulate);
                n += 4;
            }
            ScalarColumns(ref ar, depthStride, ref b, cols, ref Unsafe.Add(ref c, r * cols), ref Unsafe.Add(ref d, r * cols), n, depth, derivative, scale, accumulate);
        }
    }

    private static void ScalarColumns<TAct>(ref float ar, int depthStride, ref float b, int ldb, ref float cr, ref float dr,
        int fromColumn, int depth, TAct derivative, bool scale, bool accumulate) where TAct : struct, IActivation
    {
        for (int n = fromColumn; n < ldb; n++)
        {
            float sum = 0f;
            for (int k = 0; k < depth; k++) sum += Unsafe.Add(ref ar, k * depthStride) * Unsafe.Add(ref b, k * ldb + n);
            float value = scale ? sum * derivative.Derivative(Unsafe.Add(ref dr, n)) : sum;
            Unsafe.Add(ref cr, n) = accumulate ? Unsafe.Add(ref cr, n) + value : value;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void StoreScaled<TVector, TWidth, TAct>(TVector acc, ref float c, ref float d, int offset, TAct derivative, bool scale, bool accumulate)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TAct : struct, IActivation
    {
        if (scale) acc = TWidth.Multiply(acc, TWidth.Derivative(derivative, TWidth.Load(ref d, offset)));
        if (accumulate) acc = TWidth.Add(acc, TWidth.Load(ref c, offset));
        TWidth.Store(acc, ref c, offset);
    }

    /// <summary>4 rows × 3 vectors of C, for 16-register machines (see <see cref="ThirtyTwoVectorRegisters"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x3<TVector, TWidth, TAct>(ref float a, int rowStride, int depthStride, ref float b, int ldb, ref float c, ref float d,
        int depth, TAct derivative, bool scale, bool accumulate) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TAct : struct, IActivation
    {
        TVector c00 = TWidth.Zero, c01 = c00, c02 = c00;
        TVector c10 = c00, c11 = c00, c12 = c00;
        TVector c20 = c00, c21 = c00, c22 = c00;
        TVector c30 = c00, c31 = c00, c32 = c00;
        ref float a1 = ref Unsafe.Add(ref a, rowStride);
        ref float a2 = ref Unsafe.Add(ref a, 2 * rowStride);
        ref float a3 = ref Unsafe.Add(ref a, 3 * rowStride);
        int v = TWidth.Count;
        for (int k = 0; k < depth; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, k * ldb);
            var b0 = TWidth.Load(ref bk, 0);
            var b1 = TWidth.Load(ref bk, v);
            var b2 = TWidth.Load(ref bk, 2 * v);
            int ak = k * depthStride;
            var s = TWidth.Broadcast(Unsafe.Add(ref a, ak));
            c00 = TWidth.MultiplyAdd(s, b0, c00); c01 = TWidth.MultiplyAdd(s, b1, c01); c02 = TWidth.MultiplyAdd(s, b2, c02);
            s = TWidth.Broadcast(Unsafe.Add(ref a1, ak));
            c10 = TWidth.MultiplyAdd(s, b0, c10); c11 = TWidth.MultiplyAdd(s, b1, c11); c12 = TWidth.MultiplyAdd(s, b2, c12);
            s = TWidth.Broadcast(Unsafe.Add(ref a2, ak));
            c20 = TWidth.MultiplyAdd(s, b0, c20); c21 = TWidth.MultiplyAdd(s, b1, c21); c22 = TWidth.MultiplyAdd(s, b2, c22);
            s = TWidth.Broadcast(Unsafe.Add(ref a3, ak));
            c30 = TWidth.MultiplyAdd(s, b0, c30); c31 = TWidth.MultiplyAdd(s, b1, c31); c32 = TWidth.MultiplyAdd(s, b2, c32);
        }
        int ld = ldb;
        StoreScaled<TVector, TWidth, TAct>(c00, ref c, ref d, 0, derivative, scale, accumulate); StoreScaled<TVector, TWidth, TAct>(c01, ref c, ref d, v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c02, ref c, ref d, 2 * v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c10, ref c, ref d, ld, derivative, scale, accumulate); StoreScaled<TVector, TWidth, TAct>(c11, ref c, ref d, ld + v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c12, ref c, ref d, ld + 2 * v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c20, ref c, ref d, 2 * ld, derivative, scale, accumulate); StoreScaled<TVector, TWidth, TAct>(c21, ref c, ref d, 2 * ld + v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c22, ref c, ref d, 2 * ld + 2 * v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c30, ref c, ref d, 3 * ld, derivative, scale, accumulate); StoreScaled<TVector, TWidth, TAct>(c31, ref c, ref d, 3 * ld + v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c32, ref c, ref d, 3 * ld + 2 * v, derivative, scale, accumulate);
    }

    /// <summary>4 rows × 4 vectors of C (4 × 32 columns with AVX2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x4<TVector, TWidth, TAct>(ref float a, int rowStride, int depthStride, ref float b, int ldb, ref float c, ref float d,
        int depth, TAct derivative, bool scale, bool accumulate) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TAct : struct, IActivation
    {
        TVector c00 = TWidth.Zero, c01 = c00, c02 = c00, c03 = c00;
        TVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        TVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        TVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        ref float a1 = ref Unsafe.Add(ref a, rowStride);
        ref float a2 = ref Unsafe.Add(ref a, 2 * rowStride);
        ref float a3 = ref Unsafe.Add(ref a, 3 * rowStride);
        int v = TWidth.Count;
        for (int k = 0; k < depth; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, k * ldb);
            var b0 = TWidth.Load(ref bk, 0);
            var b1 = TWidth.Load(ref bk, v);
            var b2 = TWidth.Load(ref bk, 2 * v);
            var b3 = TWidth.Load(ref bk, 3 * v);
            int ak = k * depthStride;
            var s = TWidth.Broadcast(Unsafe.Add(ref a, ak));
            c00 = TWidth.MultiplyAdd(s, b0, c00); c01 = TWidth.MultiplyAdd(s, b1, c01);
            c02 = TWidth.MultiplyAdd(s, b2, c02); c03 = TWidth.MultiplyAdd(s, b3, c03);
            s = TWidth.Broadcast(Unsafe.Add(ref a1, ak));
            c10 = TWidth.MultiplyAdd(s, b0, c10); c11 = TWidth.MultiplyAdd(s, b1, c11);
            c12 = TWidth.MultiplyAdd(s, b2, c12); c13 = TWidth.MultiplyAdd(s, b3, c13);
            s = TWidth.Broadcast(Unsafe.Add(ref a2, ak));
            c20 = TWidth.MultiplyAdd(s, b0, c20); c21 = TWidth.MultiplyAdd(s, b1, c21);
            c22 = TWidth.MultiplyAdd(s, b2, c22); c23 = TWidth.MultiplyAdd(s, b3, c23);
            s = TWidth.Broadcast(Unsafe.Add(ref a3, ak));
            c30 = TWidth.MultiplyAdd(s, b0, c30); c31 = TWidth.MultiplyAdd(s, b1, c31);
            c32 = TWidth.MultiplyAdd(s, b2, c32); c33 = TWidth.MultiplyAdd(s, b3, c33);
        }
        int ld = ldb;
        StoreScaled<TVector, TWidth, TAct>(c00, ref c, ref d, 0, derivative, scale, accumulate); StoreScaled<TVector, TWidth, TAct>(c01, ref c, ref d, v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c02, ref c, ref d, 2 * v, derivative, scale, accumulate); StoreScaled<TVector, TWidth, TAct>(c03, ref c, ref d, 3 * v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c10, ref c, ref d, ld, derivative, scale, accumulate); StoreScaled<TVector, TWidth, TAct>(c11, ref c, ref d, ld + v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c12, ref c, ref d, ld + 2 * v, derivative, scale, accumulate); StoreScaled<TVector, TWidth, TAct>(c13, ref c, ref d, ld + 3 * v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c20, ref c, ref d, 2 * ld, derivative, scale, accumulate); StoreScaled<TVector, TWidth, TAct>(c21, ref c, ref d, 2 * ld + v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c22, ref c, ref d, 2 * ld + 2 * v, derivative, scale, accumulate); StoreScaled<TVector, TWidth, TAct>(c23, ref c, ref d, 2 * ld + 3 * v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c30, ref c, ref d, 3 * ld, derivative, scale, accumulate); StoreScaled<TVector, TWidth, TAct>(c31, ref c, ref d, 3 * ld + v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c32, ref c, ref d, 3 * ld + 2 * v, derivative, scale, accumulate); StoreScaled<TVector, TWidth, TAct>(c33, ref c, ref d, 3 * ld + 3 * v, derivative, scale, accumulate);
    }

    /// <summary>4 rows × 1 vector of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x1<TVector, TWidth, TAct>(ref float a, int rowStride, int depthStride, ref float b, int ldb, ref float c, ref float d,
        int depth, TAct derivative, bool scale, bool accumulate) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TAct : struct, IActivation
    {
        TVector c0 = TWidth.Zero, c1 = c0, c2 = c0, c3 = c0;
        ref float a1 = ref Unsafe.Add(ref a, rowStride);
        ref float a2 = ref Unsafe.Add(ref a, 2 * rowStride);
        ref float a3 = ref Unsafe.Add(ref a, 3 * rowStride);
        for (int k = 0; k < depth; k++)
        {
            var bv = TWidth.Load(ref b, k * ldb);
            int ak = k * depthStride;
            c0 = TWidth.MultiplyAdd(TWidth.Broadcast(Unsafe.Add(ref a, ak)), bv, c0);
            c1 = TWidth.MultiplyAdd(TWidth.Broadcast(Unsafe.Add(ref a1, ak)), bv, c1);
            c2 = TWidth.MultiplyAdd(TWidth.Broadcast(Unsafe.Add(ref a2, ak)), bv, c2);
            c3 = TWidth.MultiplyAdd(TWidth.Broadcast(Unsafe.Add(ref a3, ak)), bv, c3);
        }
        StoreScaled<TVector, TWidth, TAct>(c0, ref c, ref d, 0, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c1, ref c, ref d, ldb, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c2, ref c, ref d, 2 * ldb, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c3, ref c, ref d, 3 * ldb, derivative, scale, accumulate);
    }

    /// <summary>1 row × 4 vectors of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile1x4<TVector, TWidth, TAct>(ref float a, int depthStride, ref float b, int ldb, ref float c, ref float d,
        int depth, TAct derivative, bool scale, bool accumulate) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TAct : struct, IActivation
    {
        TVector c0 = TWidth.Zero, c1 = c0, c2 = c0, c3 = c0;
        int v = TWidth.Count;
        for (int k = 0; k < depth; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, k * ldb);
            var s = TWidth.Broadcast(Unsafe.Add(ref a, k * depthStride));
            c0 = TWidth.MultiplyAdd(s, TWidth.Load(ref bk, 0), c0);
            c1 = TWidth.MultiplyAdd(s, TWidth.Load(ref bk, v), c1);
            c2 = TWidth.MultiplyAdd(s, TWidth.Load(ref bk, 2 * v), c2);
            c3 = TWidth.MultiplyAdd(s, TWidth.Load(ref bk, 3 * v), c3);
        }
        StoreScaled<TVector, TWidth, TAct>(c0, ref c, ref d, 0, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c1, ref c, ref d, v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c2, ref c, ref d, 2 * v, derivative, scale, accumulate);
        StoreScaled<TVector, TWidth, TAct>(c3, ref c, ref d, 3 * v, derivative, scale, accumulate);
    }

    /// <summary>1 row × 1 vector of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile1x1<TVector, TWidth, TAct>(ref float a, int depthStride, ref float b, int ldb, ref float c, ref float d,
        int depth, TAct derivative, bool scale, bool accumulate) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TAct : struct, IActivation
    {
        TVector c0 = TWidth.Zero;
        for (int k = 0; k < depth; k++)
            c0 = TWidth.MultiplyAdd(TWidth.Broadcast(Unsafe.Add(ref a, k * depthStride)), TWidth.Load(ref b, k * ldb), c0);
        StoreScaled<TVector, TWidth, TAct>(c0, ref c, ref d, 0, derivative, scale, accumulate);
    }
}
