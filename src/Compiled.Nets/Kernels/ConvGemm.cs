using System.ComponentModel;
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// The two matrix products a convolution needs, shaped for its long dimension (the output positions, hundreds per
/// sample) rather than its short ones (channels and taps, a few to a few hundred): vectors always run along the
/// positions, so a layer with 6 filters and 25 taps still fills every SIMD lane. Callers check the spans; these loops
/// trust their sizes.
/// </summary>
internal static class ConvGemm
{
    /// <summary>
    /// C[i, :] (+)= Σ_p A[i, p] · B[p, :] for i &lt; m: each row of C a combination of B's k rows of length n. A's element
    /// (i, p) sits at i·aRow + p·aColumn, so A may be a weight matrix or its transpose. Blocks of 4 rows × 16 columns keep
    /// 8 accumulators in registers while each B row is loaded once per block.
    /// </summary>
    public static void CombineRows(ref float a, int aRow, int aColumn, ref float b, ref float c, int m, int k, int n, bool accumulate) =>
        CombineRows(ref a, aRow, aColumn, ref b, new StridedRows(n), ref c, m, k, n, accumulate);

    /// <summary>
    /// <see cref="CombineRows(ref float, int, int, ref float, ref float, int, int, int, bool)"/> with B's row p at
    /// b + bRows.Offset(p): shifted windows of one zero-bordered plane (<see cref="ShiftedConv"/>) instead of copied rows.
    /// </summary>
    public static void CombineRows<TRows>(ref float a, int aRow, int aColumn, ref float b, TRows bRows, ref float c, int m, int k, int n, bool accumulate)
        where TRows : IRowOffsets
    {
        if (Vector256.IsHardwareAccelerated) CombineRows<Vector256<float>, Vector256Width, TRows>(ref a, aRow, aColumn, ref b, bRows, ref c, m, k, n, accumulate);
        else if (Vector128.IsHardwareAccelerated) CombineRows<Vector128<float>, Vector128Width, TRows>(ref a, aRow, aColumn, ref b, bRows, ref c, m, k, n, accumulate);
        else CombineRows<float, ScalarWidth, TRows>(ref a, aRow, aColumn, ref b, bRows, ref c, m, k, n, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void CombineRows<TVector, TWidth, TRows>(ref float a, int aRow, int aColumn, ref float b, TRows bRows, ref float c, int m, int k, int n, bool accumulate)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TRows : IRowOffsets
    {
        int i = 0;
        // AVX-512 has 32 registers: six rows × 32 columns keep 12 sums in them and load each B row once per six rows.
        // (Only the 256-bit instantiation runs it: an AVX-512 machine always takes that width.)
        if (Vector512.IsHardwareAccelerated && n >= 32)
            for (; i + 6 <= m; i += 6)
            {
                ref float ai = ref Unsafe.Add(ref a, i * aRow);
                ref float ci = ref Unsafe.Add(ref c, i * n);
                int j = n / 32 * 32;
                CombineSixRows512(ref ai, aRow, aColumn, ref b, bRows, ref ci, k, n, accumulate);
                // The ragged end in methods of their own: with it inline, the JIT spilled registers in the main loop.
                if (j + 16 <= n)
                {
                    CombineSixRows16(ref ai, aRow, aColumn, ref Unsafe.Add(ref b, j), bRows, ref Unsafe.Add(ref ci, j), k, n, accumulate);
                    j += 16;
                }
                if (j == n) continue;
                // The remaining columns [j, n): rows 0–3 and 4–5 through the narrower blocks, on the column range's sub-matrices.
                CombineFourRows<TVector, TWidth, TRows>(ref ai, aRow, aColumn, ref Unsafe.Add(ref b, j), bRows, ref Unsafe.Add(ref ci, j), k, n - j, n, accumulate);
                CombineTwoRows<TVector, TWidth, TRows>(ref Unsafe.Add(ref ai, 4 * aRow), aRow, aColumn, ref Unsafe.Add(ref b, j), bRows, ref Unsafe.Add(ref ci, 4 * n + j), k, n - j, n, accumulate);
            }
        for (; i + 4 <= m; i += 4) CombineFourRows<TVector, TWidth, TRows>(ref Unsafe.Add(ref a, i * aRow), aRow, aColumn, ref b, bRows, ref Unsafe.Add(ref c, i * n), k, n, n, accumulate);
        for (; i + 2 <= m; i += 2) CombineTwoRows<TVector, TWidth, TRows>(ref Unsafe.Add(ref a, i * aRow), aRow, aColumn, ref b, bRows, ref Unsafe.Add(ref c, i * n), k, n, n, accumulate);
        if (i < m) CombineTwoRows<TVector, TWidth, TRows>(ref Unsafe.Add(ref a, i * aRow), 0, aColumn, ref b, bRows, ref Unsafe.Add(ref c, i * n), k, n, n, accumulate, single: true);
    }

    /// <summary>Six rows of C, 32 columns at a time with AVX-512, up to the last whole 32 (the caller does the rest).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CombineSixRows512<TRows>(ref float a0, int aRow, int aColumn, ref float b, TRows bRows, ref float c0, int k, int n, bool accumulate)
        where TRows : IRowOffsets
    {
        int j = 0;
        for (; j + 32 <= n; j += 32)
        {
            var s00 = Vector512<float>.Zero; var s01 = s00; var s10 = s00; var s11 = s00; var s20 = s00; var s21 = s00;
            var s30 = s00; var s31 = s00; var s40 = s00; var s41 = s00; var s50 = s00; var s51 = s00;
            ref float bj = ref Unsafe.Add(ref b, j);
            for (int p = 0; p < k; p++)
            {
                ref float row = ref Unsafe.Add(ref bj, bRows.Offset(p));
                var b0 = Vector512.LoadUnsafe(ref row);
                var b1 = Vector512.LoadUnsafe(ref row, 16);
                ref float ap = ref Unsafe.Add(ref a0, p * aColumn);
                var w = Vector512.Create(ap);
                s00 = SimdMath.FusedMultiplyAdd(w, b0, s00); s01 = SimdMath.FusedMultiplyAdd(w, b1, s01);
                w = Vector512.Create(Unsafe.Add(ref ap, aRow));
                s10 = SimdMath.FusedMultiplyAdd(w, b0, s10); s11 = SimdMath.FusedMultiplyAdd(w, b1, s11);
                w = Vector512.Create(Unsafe.Add(ref ap, 2 * aRow));
                s20 = SimdMath.FusedMultiplyAdd(w, b0, s20); s21 = SimdMath.FusedMultiplyAdd(w, b1, s21);
                w = Vector512.Create(Unsafe.Add(ref ap, 3 * aRow));
                s30 = SimdMath.FusedMultiplyAdd(w, b0, s30); s31 = SimdMath.FusedMultiplyAdd(w, b1, s31);
                w = Vector512.Create(Unsafe.Add(ref ap, 4 * aRow));
                s40 = SimdMath.FusedMultiplyAdd(w, b0, s40); s41 = SimdMath.FusedMultiplyAdd(w, b1, s41);
                w = Vector512.Create(Unsafe.Add(ref ap, 5 * aRow));
                s50 = SimdMath.FusedMultiplyAdd(w, b0, s50); s51 = SimdMath.FusedMultiplyAdd(w, b1, s51);
            }
            Put512(s00, s01, ref c0, j, accumulate);
            Put512(s10, s11, ref Unsafe.Add(ref c0, n), j, accumulate);
            Put512(s20, s21, ref Unsafe.Add(ref c0, 2 * n), j, accumulate);
            Put512(s30, s31, ref Unsafe.Add(ref c0, 3 * n), j, accumulate);
            Put512(s40, s41, ref Unsafe.Add(ref c0, 4 * n), j, accumulate);
            Put512(s50, s51, ref Unsafe.Add(ref c0, 5 * n), j, accumulate);
        }
    }

    /// <summary>Six rows × 16 columns (C's rows n apart): one vector per row, still six rows per B load.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CombineSixRows16<TRows>(ref float a0, int aRow, int aColumn, ref float b, TRows bRows, ref float c0, int k, int n, bool accumulate)
        where TRows : IRowOffsets
    {
        var s0 = Vector512<float>.Zero; var s1 = s0; var s2 = s0; var s3 = s0; var s4 = s0; var s5 = s0;
        for (int p = 0; p < k; p++)
        {
            var v = Vector512.LoadUnsafe(ref Unsafe.Add(ref b, bRows.Offset(p)));
            ref float ap = ref Unsafe.Add(ref a0, p * aColumn);
            s0 = SimdMath.FusedMultiplyAdd(Vector512.Create(ap), v, s0);
            s1 = SimdMath.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ap, aRow)), v, s1);
            s2 = SimdMath.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ap, 2 * aRow)), v, s2);
            s3 = SimdMath.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ap, 3 * aRow)), v, s3);
            s4 = SimdMath.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ap, 4 * aRow)), v, s4);
            s5 = SimdMath.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ap, 5 * aRow)), v, s5);
        }
        Put512(s0, ref c0, 0, accumulate);
        Put512(s1, ref Unsafe.Add(ref c0, n), 0, accumulate);
        Put512(s2, ref Unsafe.Add(ref c0, 2 * n), 0, accumulate);
        Put512(s3, ref Unsafe.Add(ref c0, 3 * n), 0, accumulate);
        Put512(s4, ref Unsafe.Add(ref c0, 4 * n), 0, accumulate);
        Put512(s5, ref Unsafe.Add(ref c0, 5 * n), 0, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put512(Vector512<float> sum, ref float row, int j, bool accumulate)
    {
        if (accumulate) sum += Vector512.LoadUnsafe(ref row, (nuint)j);
        sum.StoreUnsafe(ref row, (nuint)j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put512(Vector512<float> low, Vector512<float> high, ref float row, int j, bool accumulate)
    {
        if (accumulate)
        {
            low += Vector512.LoadUnsafe(ref row, (nuint)j);
            high += Vector512.LoadUnsafe(ref row, (nuint)(j + 16));
        }
        low.StoreUnsafe(ref row, (nuint)j);
        high.StoreUnsafe(ref row, (nuint)(j + 16));
    }

    /// <summary>Four rows of C over n columns; C's rows are <paramref name="stride"/> apart (n, or more for a column range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CombineFourRows<TVector, TWidth, TRows>(ref float a0, int aRow, int aColumn, ref float b, TRows bRows, ref float c0, int k, int n, int stride, bool accumulate)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TRows : IRowOffsets
    {
        ref float a1 = ref Unsafe.Add(ref a0, aRow);
        ref float a2 = ref Unsafe.Add(ref a1, aRow);
        ref float a3 = ref Unsafe.Add(ref a2, aRow);
        ref float c1 = ref Unsafe.Add(ref c0, stride);
        ref float c2 = ref Unsafe.Add(ref c1, stride);
        ref float c3 = ref Unsafe.Add(ref c2, stride);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // AVX-512: 32 columns per block, half the loads and broadcasts per multiply-add of the 256-bit block below.
            for (; j + 32 <= n; j += 32)
            {
                Vector512<float> s00, s01, s10, s11, s20, s21, s30, s31;
                if (accumulate)
                {
                    s00 = Load512(ref c0, j); s01 = Load512(ref c0, j + 16); s10 = Load512(ref c1, j); s11 = Load512(ref c1, j + 16);
                    s20 = Load512(ref c2, j); s21 = Load512(ref c2, j + 16); s30 = Load512(ref c3, j); s31 = Load512(ref c3, j + 16);
                }
                else
                {
                    s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = Vector512<float>.Zero;
                }
                ref float bj = ref Unsafe.Add(ref b, j);
                for (int p = 0; p < k; p++)
                {
                    ref float row = ref Unsafe.Add(ref bj, bRows.Offset(p));
                    var b0 = Vector512.LoadUnsafe(ref row);
                    var b1 = Vector512.LoadUnsafe(ref row, 16);
                    int at = p * aColumn;
                    var w = Vector512.Create(Unsafe.Add(ref a0, at));
                    s00 = SimdMath.FusedMultiplyAdd(w, b0, s00); s01 = SimdMath.FusedMultiplyAdd(w, b1, s01);
                    w = Vector512.Create(Unsafe.Add(ref a1, at));
                    s10 = SimdMath.FusedMultiplyAdd(w, b0, s10); s11 = SimdMath.FusedMultiplyAdd(w, b1, s11);
                    w = Vector512.Create(Unsafe.Add(ref a2, at));
                    s20 = SimdMath.FusedMultiplyAdd(w, b0, s20); s21 = SimdMath.FusedMultiplyAdd(w, b1, s21);
                    w = Vector512.Create(Unsafe.Add(ref a3, at));
                    s30 = SimdMath.FusedMultiplyAdd(w, b0, s30); s31 = SimdMath.FusedMultiplyAdd(w, b1, s31);
                }
                s00.StoreUnsafe(ref c0, (nuint)j); s01.StoreUnsafe(ref c0, (nuint)(j + 16)); s10.StoreUnsafe(ref c1, (nuint)j); s11.StoreUnsafe(ref c1, (nuint)(j + 16));
                s20.StoreUnsafe(ref c2, (nuint)j); s21.StoreUnsafe(ref c2, (nuint)(j + 16)); s30.StoreUnsafe(ref c3, (nuint)j); s31.StoreUnsafe(ref c3, (nuint)(j + 16));
            }
        }
        // Two vectors per row (16 columns with AVX2, 8 with SSE or AdvSimd): eight sums.
        int v = TWidth.Count;
        for (; j + 2 * v <= n; j += 2 * v)
        {
            TVector s00, s01, s10, s11, s20, s21, s30, s31;
            if (accumulate)
            {
                s00 = TWidth.Load(ref c0, j); s01 = TWidth.Load(ref c0, j + v); s10 = TWidth.Load(ref c1, j); s11 = TWidth.Load(ref c1, j + v);
                s20 = TWidth.Load(ref c2, j); s21 = TWidth.Load(ref c2, j + v); s30 = TWidth.Load(ref c3, j); s31 = TWidth.Load(ref c3, j + v);
            }
            else
            {
                s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = TWidth.Zero;
            }
            ref float bj = ref Unsafe.Add(ref b, j);
            for (int p = 0; p < k; p++)
            {
                ref float row = ref Unsafe.Add(ref bj, bRows.Offset(p));
                var b0 = TWidth.Load(ref row, 0);
                var b1 = TWidth.Load(ref row, v);
                int at = p * aColumn;
                var w = TWidth.Broadcast(Unsafe.Add(ref a0, at));
                s00 = TWidth.MultiplyAdd(w, b0, s00); s01 = TWidth.MultiplyAdd(w, b1, s01);
                w = TWidth.Broadcast(Unsafe.Add(ref a1, at));
                s10 = TWidth.MultiplyAdd(w, b0, s10); s11 = TWidth.MultiplyAdd(w, b1, s11);
                w = TWidth.Broadcast(Unsafe.Add(ref a2, at));
                s20 = TWidth.MultiplyAdd(w, b0, s20); s21 = TWidth.MultiplyAdd(w, b1, s21);
                w = TWidth.Broadcast(Unsafe.Add(ref a3, at));
                s30 = TWidth.MultiplyAdd(w, b0, s30); s31 = TWidth.MultiplyAdd(w, b1, s31);
            }
            TWidth.Store(s00, ref c0, j); TWidth.Store(s01, ref c0, j + v); TWidth.Store(s10, ref c1, j); TWidth.Store(s11, ref c1, j + v);
            TWidth.Store(s20, ref c2, j); TWidth.Store(s21, ref c2, j + v); TWidth.Store(s30, ref c3, j); TWidth.Store(s31, ref c3, j + v);
        }
        // The last columns a vector at a time; a ragged end recomputes the last full vector when overwriting (same values twice).
        while (j < n)
        {
            if (j + v > n)
            {
                if (accumulate || n < v) break;
                j = n - v;
            }
            var s0 = accumulate ? TWidth.Load(ref c0, j) : TWidth.Zero;
            var s1 = accumulate ? TWidth.Load(ref c1, j) : TWidth.Zero;
            var s2 = accumulate ? TWidth.Load(ref c2, j) : TWidth.Zero;
            var s3 = accumulate ? TWidth.Load(ref c3, j) : TWidth.Zero;
            ref float bj = ref Unsafe.Add(ref b, j);
            for (int p = 0; p < k; p++)
            {
                var u = TWidth.Load(ref bj, bRows.Offset(p));
                int at = p * aColumn;
                s0 = TWidth.MultiplyAdd(TWidth.Broadcast(Unsafe.Add(ref a0, at)), u, s0);
                s1 = TWidth.MultiplyAdd(TWidth.Broadcast(Unsafe.Add(ref a1, at)), u, s1);
                s2 = TWidth.MultiplyAdd(TWidth.Broadcast(Unsafe.Add(ref a2, at)), u, s2);
                s3 = TWidth.MultiplyAdd(TWidth.Broadcast(Unsafe.Add(ref a3, at)), u, s3);
            }
            TWidth.Store(s0, ref c0, j); TWidth.Store(s1, ref c1, j); TWidth.Store(s2, ref c2, j); TWidth.Store(s3, ref c3, j);
            j += v;
        }
        for (; j < n; j++)
        {
            float s0 = accumulate ? Unsafe.Add(ref c0, j) : 0f, s1 = accumulate ? Unsafe.Add(ref c1, j) : 0f;
            float s2 = accumulate ? Unsafe.Add(ref c2, j) : 0f, s3 = accumulate ? Unsafe.Add(ref c3, j) : 0f;
            for (int p = 0; p < k; p++)
            {
                float u = Unsafe.Add(ref b, bRows.Offset(p) + j);
                int at = p * aColumn;
                s0 += Unsafe.Add(ref a0, at) * u; s1 += Unsafe.Add(ref a1, at) * u;
                s2 += Unsafe.Add(ref a2, at) * u; s3 += Unsafe.Add(ref a3, at) * u;
            }
            Unsafe.Add(ref c0, j) = s0; Unsafe.Add(ref c1, j) = s1; Unsafe.Add(ref c2, j) = s2; Unsafe.Add(ref c3, j) = s3;
        }
    }

    /// <summary>Two rows (or one, with <paramref name="single"/>: the second is computed from row 0 again and not stored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CombineTwoRows<TVector, TWidth, TRows>(ref float a0, int aRow, int aColumn, ref float b, TRows bRows, ref float c0, int k, int n, int stride,
        bool accumulate, bool single = false) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TRows : IRowOffsets
    {
        ref float a1 = ref Unsafe.Add(ref a0, aRow);
        ref float c1 = ref single ? ref c0 : ref Unsafe.Add(ref c0, stride);
        int v = TWidth.Count;
        int j = 0;
        for (; j + 2 * v <= n; j += 2 * v)
        {
            var s00 = accumulate ? TWidth.Load(ref c0, j) : TWidth.Zero;
            var s01 = accumulate ? TWidth.Load(ref c0, j + v) : TWidth.Zero;
            var s10 = accumulate && !single ? TWidth.Load(ref c1, j) : TWidth.Zero;
            var s11 = accumulate && !single ? TWidth.Load(ref c1, j + v) : TWidth.Zero;
            ref float bj = ref Unsafe.Add(ref b, j);
            for (int p = 0; p < k; p++)
            {
                ref float row = ref Unsafe.Add(ref bj, bRows.Offset(p));
                var b0 = TWidth.Load(ref row, 0);
                var b1 = TWidth.Load(ref row, v);
                int at = p * aColumn;
                var w = TWidth.Broadcast(Unsafe.Add(ref a0, at));
                s00 = TWidth.MultiplyAdd(w, b0, s00); s01 = TWidth.MultiplyAdd(w, b1, s01);
                w = TWidth.Broadcast(Unsafe.Add(ref a1, at));
                s10 = TWidth.MultiplyAdd(w, b0, s10); s11 = TWidth.MultiplyAdd(w, b1, s11);
            }
            if (!single) { TWidth.Store(s10, ref c1, j); TWidth.Store(s11, ref c1, j + v); }
            TWidth.Store(s00, ref c0, j); TWidth.Store(s01, ref c0, j + v);
        }
        while (j < n)
        {
            if (j + v > n)
            {
                if (accumulate || n < v) break;
                j = n - v;
            }
            var s0 = accumulate ? TWidth.Load(ref c0, j) : TWidth.Zero;
            var s1 = accumulate && !single ? TWidth.Load(ref c1, j) : TWidth.Zero;
            ref float bj = ref Unsafe.Add(ref b, j);
            for (int p = 0; p < k; p++)
            {
                var u = TWidth.Load(ref bj, bRows.Offset(p));
                int at = p * aColumn;
                s0 = TWidth.MultiplyAdd(TWidth.Broadcast(Unsafe.Add(ref a0, at)), u, s0);
                s1 = TWidth.MultiplyAdd(TWidth.Broadcast(Unsafe.Add(ref a1, at)), u, s1);
            }
            if (!single) TWidth.Store(s1, ref c1, j);
            TWidth.Store(s0, ref c0, j);
            j += v;
        }
        for (; j < n; j++)
        {
            float s0 = accumulate ? Unsafe.Add(ref c0, j) : 0f, s1 = accumulate && !single ? Unsafe.Add(ref c1, j) : 0f;
            for (int p = 0; p < k; p++)
            {
                float u = Unsafe.Add(ref b, bRows.Offset(p) + j);
                s0 += Unsafe.Add(ref a0, p * aColumn) * u;
                s1 += Unsafe.Add(ref a1, p * aColumn) * u;
            }
            if (!single) Unsafe.Add(ref c1, j) = s1;
            Unsafe.Add(ref c0, j) = s0;
        }
    }

    /// <summary>
    /// C[i, j] (+)= Σ_p A[i, p] · B[j, p] for i &lt; m, j &lt; rows: dot products of long rows (a weight gradient,
    /// dW = dZ · Colsᵀ). Blocks of 2 × 4 rows share their loads across 8 vector accumulators.
    /// </summary>
    public static void DotRows(ref float a, ref float b, ref float c, int m, int rows, int n, bool accumulate) =>
        DotRows(ref a, ref b, new StridedRows(n), ref c, m, rows, n, accumulate);

    /// <summary>DotRows with B's row j at b + bRows.Offset(j) (shifted windows of a zero-bordered plane).</summary>
    public static void DotRows<TRows>(ref float a, ref float b, TRows bRows, ref float c, int m, int rows, int n, bool accumulate)
        where TRows : IRowOffsets
    {
        // AVX-512 halves the loads per multiply-add of these long rows.
        if (Vector512.IsHardwareAccelerated) DotRows<Vector512<float>, Vector512Width, TRows>(ref a, ref b, bRows, ref c, m, rows, n, accumulate);
        else if (Vector256.IsHardwareAccelerated) DotRows<Vector256<float>, Vector256Width, TRows>(ref a, ref b, bRows, ref c, m, rows, n, accumulate);
        else if (Vector128.IsHardwareAccelerated) DotRows<Vector128<float>, Vector128Width, TRows>(ref a, ref b, bRows, ref c, m, rows, n, accumulate);
        else DotRows<float, ScalarWidth, TRows>(ref a, ref b, bRows, ref c, m, rows, n, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DotRows<TVector, TWidth, TRows>(ref float a, ref float b, TRows bRows, ref float c, int m, int rows, int n, bool accumulate)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TRows : IRowOffsets
    {
        int v = TWidth.Count;
        int i = 0;
        for (; i + 2 <= m; i += 2)
        {
            ref float a0 = ref Unsafe.Add(ref a, i * n);
            ref float a1 = ref Unsafe.Add(ref a0, n);
            int j = 0;
            for (; j + 4 <= rows; j += 4)
            {
                ref float b0 = ref Unsafe.Add(ref b, bRows.Offset(j));
                ref float b1 = ref Unsafe.Add(ref b, bRows.Offset(j + 1));
                ref float b2 = ref Unsafe.Add(ref b, bRows.Offset(j + 2));
                ref float b3 = ref Unsafe.Add(ref b, bRows.Offset(j + 3));
                TVector s00 = TWidth.Zero, s01 = s00, s02 = s00, s03 = s00;
                TVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
                int p = 0;
                for (; p + v <= n; p += v)
                {
                    var x0 = TWidth.Load(ref a0, p);
                    var x1 = TWidth.Load(ref a1, p);
                    var y = TWidth.Load(ref b0, p);
                    s00 = TWidth.MultiplyAdd(x0, y, s00); s10 = TWidth.MultiplyAdd(x1, y, s10);
                    y = TWidth.Load(ref b1, p);
                    s01 = TWidth.MultiplyAdd(x0, y, s01); s11 = TWidth.MultiplyAdd(x1, y, s11);
                    y = TWidth.Load(ref b2, p);
                    s02 = TWidth.MultiplyAdd(x0, y, s02); s12 = TWidth.MultiplyAdd(x1, y, s12);
                    y = TWidth.Load(ref b3, p);
                    s03 = TWidth.MultiplyAdd(x0, y, s03); s13 = TWidth.MultiplyAdd(x1, y, s13);
                }
                float t00 = TWidth.Sum(s00), t01 = TWidth.Sum(s01), t02 = TWidth.Sum(s02), t03 = TWidth.Sum(s03);
                float t10 = TWidth.Sum(s10), t11 = TWidth.Sum(s11), t12 = TWidth.Sum(s12), t13 = TWidth.Sum(s13);
                for (; p < n; p++)
                {
                    float x0 = Unsafe.Add(ref a0, p), x1 = Unsafe.Add(ref a1, p);
                    float y0 = Unsafe.Add(ref b0, p), y1 = Unsafe.Add(ref b1, p), y2 = Unsafe.Add(ref b2, p), y3 = Unsafe.Add(ref b3, p);
                    t00 += x0 * y0; t01 += x0 * y1; t02 += x0 * y2; t03 += x0 * y3;
                    t10 += x1 * y0; t11 += x1 * y1; t12 += x1 * y2; t13 += x1 * y3;
                }
                ref float c0 = ref Unsafe.Add(ref c, i * rows + j);
                ref float c1 = ref Unsafe.Add(ref c0, rows);
                Put(ref c0, 0, t00, accumulate); Put(ref c0, 1, t01, accumulate); Put(ref c0, 2, t02, accumulate); Put(ref c0, 3, t03, accumulate);
                Put(ref c1, 0, t10, accumulate); Put(ref c1, 1, t11, accumulate); Put(ref c1, 2, t12, accumulate); Put(ref c1, 3, t13, accumulate);
            }
            for (; j < rows; j++)
            {
                ref float bj = ref Unsafe.Add(ref b, bRows.Offset(j));
                Put(ref c, i * rows + j, Dot<TVector, TWidth>(ref a0, ref bj, n), accumulate);
                Put(ref c, (i + 1) * rows + j, Dot<TVector, TWidth>(ref a1, ref bj, n), accumulate);
            }
        }
        for (; i < m; i++)
        {
            ref float ai = ref Unsafe.Add(ref a, i * n);
            for (int j = 0; j < rows; j++) Put(ref c, i * rows + j, Dot<TVector, TWidth>(ref ai, ref Unsafe.Add(ref b, bRows.Offset(j)), n), accumulate);
        }
    }

    /// <summary>
    /// C[i, j] (+)= Σ_s Σ_p A_s[i, p] · B_s[j, p] over several samples' operands, the vector sums carried from sample to
    /// sample so the horizontal adds happen once per block, not once per sample (a small map's weight gradient).
    /// A_s's row i is at a + s·aSample + i·n, B_s's row j at b + s·bSample + bRows.Offset(j); n is a multiple of 16.
    /// </summary>
    public static void DotRowsAcross<TRows>(ref float a, int aSample, ref float b, int bSample, TRows bRows, ref float c,
        int m, int rows, int n, int samples, bool accumulate) where TRows : IRowOffsets
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            if (Vector256.IsHardwareAccelerated) DotRowsAcross<Vector256<float>, Vector256Width, TRows>(ref a, aSample, ref b, bSample, bRows, ref c, m, rows, n, samples, accumulate);
            else if (Vector128.IsHardwareAccelerated) DotRowsAcross<Vector128<float>, Vector128Width, TRows>(ref a, aSample, ref b, bSample, bRows, ref c, m, rows, n, samples, accumulate);
            else DotRowsAcross<float, ScalarWidth, TRows>(ref a, aSample, ref b, bSample, bRows, ref c, m, rows, n, samples, accumulate);
            return;
        }
        // Blocks of 4 × 4 (16 sums, 8 loads per 16 multiply-adds); the ragged edges in blocks of 2 or 1 A rows and 1 B row.
        int i = 0;
        for (; i < m;)
        {
            int height = m - i >= 4 ? 4 : m - i >= 2 ? 2 : 1;
            ref float ai = ref Unsafe.Add(ref a, i * n);
            for (int j = 0; j < rows;)
            {
                ref float cij = ref Unsafe.Add(ref c, i * rows + j);
                if (rows - j >= 4)
                {
                    if (height == 4) DotBlock512<Four, Four, TRows>(ref ai, aSample, ref b, bSample, bRows, j, ref cij, rows, n, samples, accumulate);
                    else if (height == 2) DotBlock512<Two, Four, TRows>(ref ai, aSample, ref b, bSample, bRows, j, ref cij, rows, n, samples, accumulate);
                    else DotBlock512<One, Four, TRows>(ref ai, aSample, ref b, bSample, bRows, j, ref cij, rows, n, samples, accumulate);
                    j += 4;
                }
                else
                {
                    if (height == 4) DotBlock512<Four, One, TRows>(ref ai, aSample, ref b, bSample, bRows, j, ref cij, rows, n, samples, accumulate);
                    else if (height == 2) DotBlock512<Two, One, TRows>(ref ai, aSample, ref b, bSample, bRows, j, ref cij, rows, n, samples, accumulate);
                    else DotBlock512<One, One, TRows>(ref ai, aSample, ref b, bSample, bRows, j, ref cij, rows, n, samples, accumulate);
                    j += 1;
                }
            }
            i += height;
        }
    }

    /// <summary>
    /// TA.Value (1, 2 or 4) A rows × TB.Value (1 or 4) B rows with AVX-512. The counts are type arguments, so the JIT
    /// compiles each shape separately and the unused sums take no registers.
    /// </summary>
    private static void DotBlock512<TA, TB, TRows>(ref float a0, int aSample, ref float b, int bSample, TRows bRows, int j, ref float c0, int rows, int n,
        int samples, bool accumulate) where TA : struct, IBlockSize where TB : struct, IBlockSize where TRows : IRowOffsets
    {
        var s00 = Vector512<float>.Zero; var s01 = s00; var s02 = s00; var s03 = s00;
        var s10 = s00; var s11 = s00; var s12 = s00; var s13 = s00;
        var s20 = s00; var s21 = s00; var s22 = s00; var s23 = s00;
        var s30 = s00; var s31 = s00; var s32 = s00; var s33 = s00;
        bool wide = TB.Value == 4;
        int o0 = bRows.Offset(j), o1 = wide ? bRows.Offset(j + 1) : 0, o2 = wide ? bRows.Offset(j + 2) : 0, o3 = wide ? bRows.Offset(j + 3) : 0;
        for (int s = 0; s < samples; s++)
        {
            ref float x0 = ref Unsafe.Add(ref a0, s * aSample);
            ref float x1 = ref Unsafe.Add(ref x0, n);
            ref float x2 = ref Unsafe.Add(ref x1, n);
            ref float x3 = ref Unsafe.Add(ref x2, n);
            ref float bs = ref Unsafe.Add(ref b, s * bSample);
            ref float y0 = ref Unsafe.Add(ref bs, o0);
            ref float y1 = ref Unsafe.Add(ref bs, o1);
            ref float y2 = ref Unsafe.Add(ref bs, o2);
            ref float y3 = ref Unsafe.Add(ref bs, o3);
            for (int p = 0; p < n; p += 16)
            {
                var u0 = Load512(ref y0, p);
                var u1 = wide ? Load512(ref y1, p) : default;
                var u2 = wide ? Load512(ref y2, p) : default;
                var u3 = wide ? Load512(ref y3, p) : default;
                var v = Load512(ref x0, p);
                s00 = SimdMath.FusedMultiplyAdd(v, u0, s00);
                if (wide) { s01 = SimdMath.FusedMultiplyAdd(v, u1, s01); s02 = SimdMath.FusedMultiplyAdd(v, u2, s02); s03 = SimdMath.FusedMultiplyAdd(v, u3, s03); }
                if (TA.Value < 2) continue;
                v = Load512(ref x1, p);
                s10 = SimdMath.FusedMultiplyAdd(v, u0, s10);
                if (wide) { s11 = SimdMath.FusedMultiplyAdd(v, u1, s11); s12 = SimdMath.FusedMultiplyAdd(v, u2, s12); s13 = SimdMath.FusedMultiplyAdd(v, u3, s13); }
                if (TA.Value < 4) continue;
                v = Load512(ref x2, p);
                s20 = SimdMath.FusedMultiplyAdd(v, u0, s20);
                if (wide) { s21 = SimdMath.FusedMultiplyAdd(v, u1, s21); s22 = SimdMath.FusedMultiplyAdd(v, u2, s22); s23 = SimdMath.FusedMultiplyAdd(v, u3, s23); }
                v = Load512(ref x3, p);
                s30 = SimdMath.FusedMultiplyAdd(v, u0, s30);
                if (wide) { s31 = SimdMath.FusedMultiplyAdd(v, u1, s31); s32 = SimdMath.FusedMultiplyAdd(v, u2, s32); s33 = SimdMath.FusedMultiplyAdd(v, u3, s33); }
            }
        }
        PutRow(ref c0, s00, s01, s02, s03, wide, accumulate);
        if (TA.Value < 2) return;
        PutRow(ref Unsafe.Add(ref c0, rows), s10, s11, s12, s13, wide, accumulate);
        if (TA.Value < 4) return;
        PutRow(ref Unsafe.Add(ref c0, 2 * rows), s20, s21, s22, s23, wide, accumulate);
        PutRow(ref Unsafe.Add(ref c0, 3 * rows), s30, s31, s32, s33, wide, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutRow(ref float c, Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3, bool wide, bool accumulate)
    {
        Put(ref c, 0, Vector512.Sum(s0), accumulate);
        if (!wide) return;
        Put(ref c, 1, Vector512.Sum(s1), accumulate); Put(ref c, 2, Vector512.Sum(s2), accumulate); Put(ref c, 3, Vector512.Sum(s3), accumulate);
    }

    /// <summary><c>DotRowsAcross</c> on machines without AVX-512: 2 × 4 blocks of vector sums, the edges one dot product at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DotRowsAcross<TVector, TWidth, TRows>(ref float a, int aSample, ref float b, int bSample, TRows bRows, ref float c,
        int m, int rows, int n, int samples, bool accumulate) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TRows : IRowOffsets
    {
        int i = 0;
        for (; i + 2 <= m; i += 2)
        {
            int j = 0;
            for (; j + 4 <= rows; j += 4)
                DotBlock2x4<TVector, TWidth, TRows>(ref Unsafe.Add(ref a, i * n), aSample, ref b, bSample, bRows, j, ref Unsafe.Add(ref c, i * rows + j), rows, n, samples, accumulate);
            for (; j < rows; j++)
                for (int r = i; r < i + 2; r++) DotAcross<TVector, TWidth, TRows>(ref a, aSample, ref b, bSample, bRows, r, j, ref c, rows, n, samples, accumulate);
        }
        for (; i < m; i++)
            for (int j = 0; j < rows; j++) DotAcross<TVector, TWidth, TRows>(ref a, aSample, ref b, bSample, bRows, i, j, ref c, rows, n, samples, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotAcross<TVector, TWidth, TRows>(ref float a, int aSample, ref float b, int bSample, TRows bRows, int i, int j, ref float c,
        int rows, int n, int samples, bool accumulate) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TRows : IRowOffsets
    {
        float sum = 0f;
        for (int s = 0; s < samples; s++)
            sum += Dot<TVector, TWidth>(ref Unsafe.Add(ref a, s * aSample + i * n), ref Unsafe.Add(ref b, s * bSample + bRows.Offset(j)), n);
        Put(ref c, i * rows + j, sum, accumulate);
    }

    /// <summary>Two A rows × four B rows (machines without AVX-512): 8 sums in 16 registers; n is a multiple of the width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotBlock2x4<TVector, TWidth, TRows>(ref float a0, int aSample, ref float b, int bSample, TRows bRows, int j, ref float c0, int rows, int n,
        int samples, bool accumulate) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TRows : IRowOffsets
    {
        TVector s00 = TWidth.Zero, s01 = s00, s02 = s00, s03 = s00;
        TVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        int o0 = bRows.Offset(j), o1 = bRows.Offset(j + 1), o2 = bRows.Offset(j + 2), o3 = bRows.Offset(j + 3);
        for (int s = 0; s < samples; s++)
        {
            ref float x0 = ref Unsafe.Add(ref a0, s * aSample);
            ref float x1 = ref Unsafe.Add(ref x0, n);
            ref float bs = ref Unsafe.Add(ref b, s * bSample);
            ref float y0 = ref Unsafe.Add(ref bs, o0);
            ref float y1 = ref Unsafe.Add(ref bs, o1);
            ref float y2 = ref Unsafe.Add(ref bs, o2);
            ref float y3 = ref Unsafe.Add(ref bs, o3);
            for (int p = 0; p < n; p += TWidth.Count)
            {
                var v0 = TWidth.Load(ref x0, p);
                var v1 = TWidth.Load(ref x1, p);
                var u = TWidth.Load(ref y0, p);
                s00 = TWidth.MultiplyAdd(v0, u, s00); s10 = TWidth.MultiplyAdd(v1, u, s10);
                u = TWidth.Load(ref y1, p);
                s01 = TWidth.MultiplyAdd(v0, u, s01); s11 = TWidth.MultiplyAdd(v1, u, s11);
                u = TWidth.Load(ref y2, p);
                s02 = TWidth.MultiplyAdd(v0, u, s02); s12 = TWidth.MultiplyAdd(v1, u, s12);
                u = TWidth.Load(ref y3, p);
                s03 = TWidth.MultiplyAdd(v0, u, s03); s13 = TWidth.MultiplyAdd(v1, u, s13);
            }
        }
        ref float c1 = ref Unsafe.Add(ref c0, rows);
        Put(ref c0, 0, TWidth.Sum(s00), accumulate); Put(ref c0, 1, TWidth.Sum(s01), accumulate); Put(ref c0, 2, TWidth.Sum(s02), accumulate); Put(ref c0, 3, TWidth.Sum(s03), accumulate);
        Put(ref c1, 0, TWidth.Sum(s10), accumulate); Put(ref c1, 1, TWidth.Sum(s11), accumulate); Put(ref c1, 2, TWidth.Sum(s12), accumulate); Put(ref c1, 3, TWidth.Sum(s13), accumulate);
    }

    /// <summary>Σ x[p]·y[p] over n values.</summary>
    public static float Dot(ref float x, ref float y, int n)
    {
        if (Vector256.IsHardwareAccelerated) return Dot<Vector256<float>, Vector256Width>(ref x, ref y, n);
        if (Vector128.IsHardwareAccelerated) return Dot<Vector128<float>, Vector128Width>(ref x, ref y, n);
        return Dot<float, ScalarWidth>(ref x, ref y, n);
    }

    /// <summary>Two vector sums (two chains of multiply-adds in flight), then one vector, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot<TVector, TWidth>(ref float x, ref float y, int n) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        int v = TWidth.Count;
        var s0 = TWidth.Zero;
        var s1 = TWidth.Zero;
        int p = 0;
        for (; p + 2 * v <= n; p += 2 * v)
        {
            s0 = TWidth.MultiplyAdd(TWidth.Load(ref x, p), TWidth.Load(ref y, p), s0);
            s1 = TWidth.MultiplyAdd(TWidth.Load(ref x, p + v), TWidth.Load(ref y, p + v), s1);
        }
        for (; p + v <= n; p += v) s0 = TWidth.MultiplyAdd(TWidth.Load(ref x, p), TWidth.Load(ref y, p), s0);
        float sum = TWidth.Sum(TWidth.Add(s0, s1));
        for (; p < n; p++) sum += Unsafe.Add(ref x, p) * Unsafe.Add(ref y, p);
        return sum;
    }

    /// <summary>Σ of n values (a bias gradient's row).</summary>
    public static float Sum(ref float x, int n)
    {
        if (Vector256.IsHardwareAccelerated) return Sum<Vector256<float>, Vector256Width>(ref x, n);
        if (Vector128.IsHardwareAccelerated) return Sum<Vector128<float>, Vector128Width>(ref x, n);
        return Sum<float, ScalarWidth>(ref x, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Sum<TVector, TWidth>(ref float x, int n) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        var s = TWidth.Zero;
        int p = 0;
        for (; p + TWidth.Count <= n; p += TWidth.Count) s = TWidth.Add(s, TWidth.Load(ref x, p));
        float sum = TWidth.Sum(s);
        for (; p < n; p++) sum += Unsafe.Add(ref x, p);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load512(ref float at, int offset) => Vector512.LoadUnsafe(ref at, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(ref float at, int offset, float value, bool accumulate)
    {
        if (accumulate) Unsafe.Add(ref at, offset) += value;
        else Unsafe.Add(ref at, offset) = value;
    }
}

/// <summary>Where row p of a product's B operand starts, relative to its first element.</summary>
internal interface IRowOffsets
{
    int Offset(int row);
}

/// <summary>Rows one after another, <c>stride</c> floats apart (copied patch rows, dz rows).</summary>
internal readonly struct StridedRows(int stride) : IRowOffsets
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Offset(int row) => row * stride;
}

/// <summary>
/// Rows at listed offsets: each tap's shifted window into zero-bordered planes (<see cref="ShiftedConv"/>). A pointer to the
/// pinned list, not a ref field: .NET 8 has no <c>allows ref struct</c> for the generic kernels that take it.
/// </summary>
internal readonly unsafe struct ListedRows(int* offsets) : IRowOffsets
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Offset(int row) => offsets[row];
}

/// <summary>A block dimension as a type argument (<see cref="ConvGemm"/>'s dot-product blocks), so the JIT specialises on it.</summary>
internal interface IBlockSize
{
    static abstract int Value { get; }
}

internal struct One : IBlockSize { public static int Value => 1; }
internal struct Two : IBlockSize { public static int Value => 2; }
internal struct Four : IBlockSize { public static int Value => 4; }
