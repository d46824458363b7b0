using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Nets.Kernels;

/// <summary>
/// Register-blocked SIMD kernels for dense layers, called by generated code with constant shapes.
/// Every entry point checks its span lengths against the shape, so the unchecked inner loops cannot
/// read or write outside the spans.
/// </summary>
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

        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        int b = 0;
        for (; b + 4 <= batch; b += 4)
        {
            Debug.Assert((b + 4) * inSize <= x.Length && (b + 4) * outSize <= y.Length, "four rows of x and y inside the spans");
            ref float xb = ref Unsafe.Add(ref x0, b * inSize);
            ref float yb = ref Unsafe.Add(ref y0, b * outSize);
            int j = 0;
            for (; j + 4 <= outSize; j += 4)
                Dot4x4(ref xb, ref Unsafe.Add(ref w0, j * inSize), inSize, ref Unsafe.Add(ref yb, j), outSize);
            for (; j < outSize; j++)
            {
                ref float wj = ref Unsafe.Add(ref w0, j * inSize);
                for (int r = 0; r < 4; r++)
                    Unsafe.Add(ref yb, r * outSize + j) = Dot(ref Unsafe.Add(ref xb, r * inSize), ref wj, inSize);
            }
            BiasActivation(y.Slice(b * outSize, 4 * outSize), bias, outSize, activation);
        }
        for (; b < batch; b++)
        {
            Debug.Assert((b + 1) * inSize <= x.Length && (b + 1) * outSize <= y.Length, "a row of x and y inside the spans");
            ref float xb = ref Unsafe.Add(ref x0, b * inSize);
            ref float yb = ref Unsafe.Add(ref y0, b * outSize);
            int j = 0;
            for (; j + 4 <= outSize; j += 4)
                Dot1x4(ref xb, ref Unsafe.Add(ref w0, j * inSize), inSize, ref Unsafe.Add(ref yb, j));
            for (; j < outSize; j++)
                Unsafe.Add(ref yb, j) = Dot(ref xb, ref Unsafe.Add(ref w0, j * inSize), inSize);
            BiasActivation(y.Slice(b * outSize, outSize), bias, outSize, activation);
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
        MultiplyStrided(ref MemoryMarshal.GetReference(dz), 1, outSize, ref MemoryMarshal.GetReference(x),
            ref MemoryMarshal.GetReference(dw), ref MemoryMarshal.GetReference(dw), outSize, inSize, batch, default(LinearActivation), accumulate: true);
        for (int b = 0; b < batch; b++) Add(db, dz.Slice(b * outSize, outSize));
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
        MultiplyStrided(ref MemoryMarshal.GetReference(dz), outSize, 1, ref MemoryMarshal.GetReference(w),
            ref MemoryMarshal.GetReference(dzPrev), ref MemoryMarshal.GetReference(yPrev), batch, inSize, outSize, previousActivation, accumulate: false);
    }

    /// <summary>y += bias per row, then y = f(y), vectorised; a last partial row (shorter than <paramref name="width"/>) is left alone.</summary>
    public static void BiasActivation<TAct>(Span<float> rows, ReadOnlySpan<float> bias, int width, TAct activation) where TAct : struct, IActivation
    {
        const string kernel = "DenseKernels.BiasActivation";
        KernelChecks.NonNegative(kernel, nameof(width), width);
        KernelChecks.AtLeast(kernel, nameof(bias), bias.Length, width);
        if (width == 0) return; // no row to step through
        ref float b0 = ref MemoryMarshal.GetReference(bias);
        for (int start = 0; start + width <= rows.Length; start += width)
        {
            ref float r0 = ref MemoryMarshal.GetReference(rows.Slice(start, width));
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= width; j += 8)
                {
                    var v = Vector256.LoadUnsafe(ref r0, (nuint)j) + Vector256.LoadUnsafe(ref b0, (nuint)j);
                    activation.Apply(v).StoreUnsafe(ref r0, (nuint)j);
                }
            }
            for (; j < width; j++) Unsafe.Add(ref r0, j) = activation.Apply(Unsafe.Add(ref r0, j) + Unsafe.Add(ref b0, j));
        }
    }

    /// <summary>y = f(y) in place, vectorised.</summary>
    public static void ApplyActivation<TAct>(Span<float> values, TAct activation) where TAct : struct, IActivation
    {
        ref float v0 = ref MemoryMarshal.GetReference(values);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= values.Length; i += 8)
                activation.Apply(Vector256.LoadUnsafe(ref v0, (nuint)i)).StoreUnsafe(ref v0, (nuint)i);
        for (; i < values.Length; i++) Unsafe.Add(ref v0, i) = activation.Apply(Unsafe.Add(ref v0, i));
    }

    /// <summary>target += source.</summary>
    public static void Add(Span<float> target, ReadOnlySpan<float> source)
    {
        KernelChecks.Length("DenseKernels.Add", nameof(source), source.Length, target.Length);
        ref float t0 = ref MemoryMarshal.GetReference(target);
        ref float s0 = ref MemoryMarshal.GetReference(source);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= target.Length; i += 8)
                (Vector256.LoadUnsafe(ref t0, (nuint)i) + Vector256.LoadUnsafe(ref s0, (nuint)i)).StoreUnsafe(ref t0, (nuint)i);
        for (; i < target.Length; i++) Unsafe.Add(ref t0, i) += Unsafe.Add(ref s0, i);
    }

    private static void CheckShape(string kernel, int batch, int inSize, int outSize)
    {
        KernelChecks.NonNegative(kernel, nameof(batch), batch);
        KernelChecks.NonNegative(kernel, nameof(inSize), inSize);
        KernelChecks.NonNegative(kernel, nameof(outSize), outSize);
    }

    // ---- dot-product tiles for y = x wᵀ (both operands have k contiguous) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ref float a, ref float b, int n)
    {
        int k = 0;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; k + 8 <= n; k += 8)
                acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)k), Vector256.LoadUnsafe(ref b, (nuint)k), acc);
            sum = Vector256.Sum(acc);
        }
        for (; k < n; k++) sum += Unsafe.Add(ref a, k) * Unsafe.Add(ref b, k);
        return sum;
    }

    /// <summary>A 1×4 tile: one row of x against four rows of w.</summary>
    private static void Dot1x4(ref float x, ref float w, int n, ref float y)
    {
        ref float w1 = ref Unsafe.Add(ref w, n);
        ref float w2 = ref Unsafe.Add(ref w, 2 * n);
        ref float w3 = ref Unsafe.Add(ref w, 3 * n);
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int k = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; k + 8 <= n; k += 8)
            {
                var xv = Vector256.LoadUnsafe(ref x, (nuint)k);
                a0 = Vector256.FusedMultiplyAdd(xv, Vector256.LoadUnsafe(ref w, (nuint)k), a0);
                a1 = Vector256.FusedMultiplyAdd(xv, Vector256.LoadUnsafe(ref w1, (nuint)k), a1);
                a2 = Vector256.FusedMultiplyAdd(xv, Vector256.LoadUnsafe(ref w2, (nuint)k), a2);
                a3 = Vector256.FusedMultiplyAdd(xv, Vector256.LoadUnsafe(ref w3, (nuint)k), a3);
            }
            s0 = Vector256.Sum(a0); s1 = Vector256.Sum(a1); s2 = Vector256.Sum(a2); s3 = Vector256.Sum(a3);
        }
        for (; k < n; k++)
        {
            float xk = Unsafe.Add(ref x, k);
            s0 += xk * Unsafe.Add(ref w, k); s1 += xk * Unsafe.Add(ref w1, k);
            s2 += xk * Unsafe.Add(ref w2, k); s3 += xk * Unsafe.Add(ref w3, k);
        }
        y = s0; Unsafe.Add(ref y, 1) = s1; Unsafe.Add(ref y, 2) = s2; Unsafe.Add(ref y, 3) = s3;
    }

    /// <summary>A 4×4 tile: four rows of x against four rows of w, sixteen vector accumulators.</summary>
    private static void Dot4x4(ref float x, ref float w, int n, ref float y, int ldy)
    {
        if (!Vector256.IsHardwareAccelerated || n < 8)
        {
            for (int r = 0; r < 4; r++) Dot1x4(ref Unsafe.Add(ref x, r * n), ref w, n, ref Unsafe.Add(ref y, r * ldy));
            return;
        }
        ref float x1 = ref Unsafe.Add(ref x, n);
        ref float x2 = ref Unsafe.Add(ref x, 2 * n);
        ref float x3 = ref Unsafe.Add(ref x, 3 * n);
        ref float w1 = ref Unsafe.Add(ref w, n);
        ref float w2 = ref Unsafe.Add(ref w, 2 * n);
        ref float w3 = ref Unsafe.Add(ref w, 3 * n);
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector256<float> a30 = default, a31 = default, a32 = default, a33 = default;
        int k = 0;
        for (; k + 8 <= n; k += 8)
        {
            var wv0 = Vector256.LoadUnsafe(ref w, (nuint)k);
            var wv1 = Vector256.LoadUnsafe(ref w1, (nuint)k);
            var wv2 = Vector256.LoadUnsafe(ref w2, (nuint)k);
            var wv3 = Vector256.LoadUnsafe(ref w3, (nuint)k);
            var xv = Vector256.LoadUnsafe(ref x, (nuint)k);
            a00 = Vector256.FusedMultiplyAdd(xv, wv0, a00); a01 = Vector256.FusedMultiplyAdd(xv, wv1, a01);
            a02 = Vector256.FusedMultiplyAdd(xv, wv2, a02); a03 = Vector256.FusedMultiplyAdd(xv, wv3, a03);
            xv = Vector256.LoadUnsafe(ref x1, (nuint)k);
            a10 = Vector256.FusedMultiplyAdd(xv, wv0, a10); a11 = Vector256.FusedMultiplyAdd(xv, wv1, a11);
            a12 = Vector256.FusedMultiplyAdd(xv, wv2, a12); a13 = Vector256.FusedMultiplyAdd(xv, wv3, a13);
            xv = Vector256.LoadUnsafe(ref x2, (nuint)k);
            a20 = Vector256.FusedMultiplyAdd(xv, wv0, a20); a21 = Vector256.FusedMultiplyAdd(xv, wv1, a21);
            a22 = Vector256.FusedMultiplyAdd(xv, wv2, a22); a23 = Vector256.FusedMultiplyAdd(xv, wv3, a23);
            xv = Vector256.LoadUnsafe(ref x3, (nuint)k);
            a30 = Vector256.FusedMultiplyAdd(xv, wv0, a30); a31 = Vector256.FusedMultiplyAdd(xv, wv1, a31);
            a32 = Vector256.FusedMultiplyAdd(xv, wv2, a32); a33 = Vector256.FusedMultiplyAdd(xv, wv3, a33);
        }
        float s00 = Vector256.Sum(a00), s01 = Vector256.Sum(a01), s02 = Vector256.Sum(a02), s03 = Vector256.Sum(a03);
        float s10 = Vector256.Sum(a10), s11 = Vector256.Sum(a11), s12 = Vector256.Sum(a12), s13 = Vector256.Sum(a13);
        float s20 = Vector256.Sum(a20), s21 = Vector256.Sum(a21), s22 = Vector256.Sum(a22), s23 = Vector256.Sum(a23);
        float s30 = Vector256.Sum(a30), s31 = Vector256.Sum(a31), s32 = Vector256.Sum(a32), s33 = Vector256.Sum(a33);
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
    /// Tiles of 4 rows × 32 columns keep 16 vector accumulators in registers.
    /// </summary>
    private static void MultiplyStrided<TAct>(ref float a, int rowStride, int depthStride, ref float b,
        ref float c, ref float d, int rows, int cols, int depth, TAct derivative, bool accumulate) where TAct : struct, IActivation
    {
        bool scale = typeof(TAct) != typeof(LinearActivation);
        int r = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; r + 4 <= rows; r += 4)
            {
                ref float ar = ref Unsafe.Add(ref a, r * rowStride);
                int n = 0;
                for (; n + 32 <= cols; n += 32)
                    Tile4x32(ref ar, rowStride, depthStride, ref Unsafe.Add(ref b, n), cols, ref Unsafe.Add(ref c, r * cols + n), ref Unsafe.Add(ref d, r * cols + n), depth, derivative, scale, accumulate);
                for (; n + 8 <= cols; n += 8)
                    Tile4x8(ref ar, rowStride, depthStride, ref Unsafe.Add(ref b, n), cols, ref Unsafe.Add(ref c, r * cols + n), ref Unsafe.Add(ref d, r * cols + n), depth, derivative, scale, accumulate);
                for (int rr = r; rr < r + 4; rr++)
                    ScalarColumns(ref Unsafe.Add(ref a, rr * rowStride), depthStride, ref b, cols, ref Unsafe.Add(ref c, rr * cols), ref Unsafe.Add(ref d, rr * cols), n, depth, derivative, scale, accumulate);
            }
            for (; r < rows; r++)
            {
                ref float ar = ref Unsafe.Add(ref a, r * rowStride);
                int n = 0;
                for (; n + 32 <= cols; n += 32)
                    Tile1x32(ref ar, depthStride, ref Unsafe.Add(ref b, n), cols, ref Unsafe.Add(ref c, r * cols + n), ref Unsafe.Add(ref d, r * cols + n), depth, derivative, scale, accumulate);
                for (; n + 8 <= cols; n += 8)
                    Tile1x8(ref ar, depthStride, ref Unsafe.Add(ref b, n), cols, ref Unsafe.Add(ref c, r * cols + n), ref Unsafe.Add(ref d, r * cols + n), depth, derivative, scale, accumulate);
                ScalarColumns(ref ar, depthStride, ref b, cols, ref Unsafe.Add(ref c, r * cols), ref Unsafe.Add(ref d, r * cols), n, depth, derivative, scale, accumulate);
            }
        }
        else
        {
            for (; r < rows; r++)
                ScalarColumns(ref Unsafe.Add(ref a, r * rowStride), depthStride, ref b, cols, ref Unsafe.Add(ref c, r * cols), ref Unsafe.Add(ref d, r * cols), 0, depth, derivative, scale, accumulate);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreScaled<TAct>(Vector256<float> acc, ref float c, ref float d, nuint offset, TAct derivative, bool scale, bool accumulate) where TAct : struct, IActivation
    {
        if (scale) acc *= derivative.Derivative(Vector256.LoadUnsafe(ref d, offset));
        if (accumulate) acc += Vector256.LoadUnsafe(ref c, offset);
        acc.StoreUnsafe(ref c, offset);
    }

    private static void Tile4x32<TAct>(ref float a, int rowStride, int depthStride, ref float b, int ldb, ref float c, ref float d,
        int depth, TAct derivative, bool scale, bool accumulate) where TAct : struct, IActivation
    {
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector256<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector256<float> c30 = default, c31 = default, c32 = default, c33 = default;
        ref float a1 = ref Unsafe.Add(ref a, rowStride);
        ref float a2 = ref Unsafe.Add(ref a, 2 * rowStride);
        ref float a3 = ref Unsafe.Add(ref a, 3 * rowStride);
        for (int k = 0; k < depth; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, k * ldb);
            var b0 = Vector256.LoadUnsafe(ref bk);
            var b1 = Vector256.LoadUnsafe(ref bk, 8);
            var b2 = Vector256.LoadUnsafe(ref bk, 16);
            var b3 = Vector256.LoadUnsafe(ref bk, 24);
            int ak = k * depthStride;
            var s = Vector256.Create(Unsafe.Add(ref a, ak));
            c00 = Vector256.FusedMultiplyAdd(s, b0, c00); c01 = Vector256.FusedMultiplyAdd(s, b1, c01);
            c02 = Vector256.FusedMultiplyAdd(s, b2, c02); c03 = Vector256.FusedMultiplyAdd(s, b3, c03);
            s = Vector256.Create(Unsafe.Add(ref a1, ak));
            c10 = Vector256.FusedMultiplyAdd(s, b0, c10); c11 = Vector256.FusedMultiplyAdd(s, b1, c11);
            c12 = Vector256.FusedMultiplyAdd(s, b2, c12); c13 = Vector256.FusedMultiplyAdd(s, b3, c13);
            s = Vector256.Create(Unsafe.Add(ref a2, ak));
            c20 = Vector256.FusedMultiplyAdd(s, b0, c20); c21 = Vector256.FusedMultiplyAdd(s, b1, c21);
            c22 = Vector256.FusedMultiplyAdd(s, b2, c22); c23 = Vector256.FusedMultiplyAdd(s, b3, c23);
            s = Vector256.Create(Unsafe.Add(ref a3, ak));
            c30 = Vector256.FusedMultiplyAdd(s, b0, c30); c31 = Vector256.FusedMultiplyAdd(s, b1, c31);
            c32 = Vector256.FusedMultiplyAdd(s, b2, c32); c33 = Vector256.FusedMultiplyAdd(s, b3, c33);
        }
        nuint ld = (nuint)ldb;
        StoreScaled(c00, ref c, ref d, 0, derivative, scale, accumulate); StoreScaled(c01, ref c, ref d, 8, derivative, scale, accumulate);
        StoreScaled(c02, ref c, ref d, 16, derivative, scale, accumulate); StoreScaled(c03, ref c, ref d, 24, derivative, scale, accumulate);
        StoreScaled(c10, ref c, ref d, ld, derivative, scale, accumulate); StoreScaled(c11, ref c, ref d, ld + 8, derivative, scale, accumulate);
        StoreScaled(c12, ref c, ref d, ld + 16, derivative, scale, accumulate); StoreScaled(c13, ref c, ref d, ld + 24, derivative, scale, accumulate);
        StoreScaled(c20, ref c, ref d, 2 * ld, derivative, scale, accumulate); StoreScaled(c21, ref c, ref d, 2 * ld + 8, derivative, scale, accumulate);
        StoreScaled(c22, ref c, ref d, 2 * ld + 16, derivative, scale, accumulate); StoreScaled(c23, ref c, ref d, 2 * ld + 24, derivative, scale, accumulate);
        StoreScaled(c30, ref c, ref d, 3 * ld, derivative, scale, accumulate); StoreScaled(c31, ref c, ref d, 3 * ld + 8, derivative, scale, accumulate);
        StoreScaled(c32, ref c, ref d, 3 * ld + 16, derivative, scale, accumulate); StoreScaled(c33, ref c, ref d, 3 * ld + 24, derivative, scale, accumulate);
    }

    private static void Tile4x8<TAct>(ref float a, int rowStride, int depthStride, ref float b, int ldb, ref float c, ref float d,
        int depth, TAct derivative, bool scale, bool accumulate) where TAct : struct, IActivation
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        ref float a1 = ref Unsafe.Add(ref a, rowStride);
        ref float a2 = ref Unsafe.Add(ref a, 2 * rowStride);
        ref float a3 = ref Unsafe.Add(ref a, 3 * rowStride);
        for (int k = 0; k < depth; k++)
        {
            var bv = Vector256.LoadUnsafe(ref Unsafe.Add(ref b, k * ldb));
            int ak = k * depthStride;
            c0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref a, ak)), bv, c0);
            c1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref a1, ak)), bv, c1);
            c2 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref a2, ak)), bv, c2);
            c3 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref a3, ak)), bv, c3);
        }
        nuint ld = (nuint)ldb;
        StoreScaled(c0, ref c, ref d, 0, derivative, scale, accumulate);
        StoreScaled(c1, ref c, ref d, ld, derivative, scale, accumulate);
        StoreScaled(c2, ref c, ref d, 2 * ld, derivative, scale, accumulate);
        StoreScaled(c3, ref c, ref d, 3 * ld, derivative, scale, accumulate);
    }

    private static void Tile1x32<TAct>(ref float a, int depthStride, ref float b, int ldb, ref float c, ref float d,
        int depth, TAct derivative, bool scale, bool accumulate) where TAct : struct, IActivation
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int k = 0; k < depth; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, k * ldb);
            var s = Vector256.Create(Unsafe.Add(ref a, k * depthStride));
            c0 = Vector256.FusedMultiplyAdd(s, Vector256.LoadUnsafe(ref bk), c0);
            c1 = Vector256.FusedMultiplyAdd(s, Vector256.LoadUnsafe(ref bk, 8), c1);
            c2 = Vector256.FusedMultiplyAdd(s, Vector256.LoadUnsafe(ref bk, 16), c2);
            c3 = Vector256.FusedMultiplyAdd(s, Vector256.LoadUnsafe(ref bk, 24), c3);
        }
        StoreScaled(c0, ref c, ref d, 0, derivative, scale, accumulate);
        StoreScaled(c1, ref c, ref d, 8, derivative, scale, accumulate);
        StoreScaled(c2, ref c, ref d, 16, derivative, scale, accumulate);
        StoreScaled(c3, ref c, ref d, 24, derivative, scale, accumulate);
    }

    private static void Tile1x8<TAct>(ref float a, int depthStride, ref float b, int ldb, ref float c, ref float d,
        int depth, TAct derivative, bool scale, bool accumulate) where TAct : struct, IActivation
    {
        Vector256<float> c0 = default;
        for (int k = 0; k < depth; k++)
            c0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref a, k * depthStride)), Vector256.LoadUnsafe(ref Unsafe.Add(ref b, k * ldb)), c0);
        StoreScaled(c0, ref c, ref d, 0, derivative, scale, accumulate);
    }
}
