using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Compiled.Nets.Quantization;

/// <summary>
/// How the int8 kernels compute their dot products of unsigned 7-bit activations (0…127) with signed 8-bit weights.
/// <see cref="Int8Kernels.BestPath"/> picks the first one the CPU runs natively, in this order; each gives the same
/// int32 sums, bit for bit (the activations' top bit is clear, so no form saturates).
/// </summary>
public enum Int8Path
{
    /// <summary>One int32 multiply-add per byte pair: the reference, and the form for a CPU without SIMD.</summary>
    Scalar,
    /// <summary>Portable 128-bit vectors (SSE2, AdvSimd without the dot-product extension): widen to int16, multiply, widen to int32.</summary>
    Vector128,
    /// <summary>ARM64's SDOT (<see cref="Dp.DotProduct(Vector128{int}, Vector128{sbyte}, Vector128{sbyte})"/>): four byte products into each int32 lane.</summary>
    ArmDotProduct,
    /// <summary>AVX2: <c>vpmaddubsw</c> (u8 × s8 pairs → int16, exact for 7-bit activations) then <c>vpmaddwd</c> by ones → int32.</summary>
    Avx2,
    #if !NET9_0_OR_GREATER
#pragma warning disable CA2252 // preview on .NET 8, where Int8Kernels never chooses this form
#endif
/// <summary>AVX-VNNI: <c>vpdpbusd</c>, four u8 × s8 products added into each int32 lane in one instruction.</summary>
    AvxVnni,
}

/// <summary>
/// One form of the int8 dot product as a type argument, as <c>ISimdWidth</c> is for floats: the kernels are written once
/// and the JIT compiles them per form. <typeparamref name="TIn"/> is one load of activations, <typeparamref name="TAcc"/>
/// the int32 partial sums.
/// </summary>
internal interface IInt8Dot<TIn, TAcc> where TIn : unmanaged where TAcc : unmanaged
{
    /// <summary>Bytes per step; divides <see cref="Int8Kernels.DepthAlignment"/>.</summary>
    static abstract int Bytes { get; }

    static abstract TAcc Zero { get; }

    static abstract TIn Load(ref byte a, int offset);

    /// <summary>acc + the products of <paramref name="a"/> with the <see cref="Bytes"/> weights at <paramref name="b"/> + offset, spread over the lanes.</summary>
    static abstract TAcc MultiplyAdd(TAcc acc, TIn a, ref sbyte b, int offset);

    static abstract int Sum(TAcc acc);

    /// <summary>The four sums of four accumulators, stored at <paramref name="target"/> + i·<paramref name="stride"/>.</summary>
    static abstract void Store4(TAcc s0, TAcc s1, TAcc s2, TAcc s3, ref int target, int stride);
}

/// <summary>
/// The convolutions' form: each int32 lane is one output position, its four bytes four consecutive taps of that position's
/// receptive field, multiplied by the same four weights (broadcast), so no horizontal sum is ever needed.
/// </summary>
internal interface IInt8Lanes<TIn, TAcc> : IInt8Dot<TIn, TAcc> where TIn : unmanaged where TAcc : unmanaged
{
    /// <summary>Positions per vector (int32 lanes).</summary>
    static abstract int Lanes { get; }

    /// <summary>acc + each lane's four bytes of <paramref name="a"/> times the four bytes of <paramref name="weights"/>.</summary>
    static abstract TAcc MultiplyAddBroadcast(TAcc acc, TIn a, int weights);

    static abstract void Store(TAcc acc, ref int target);
}

internal readonly struct ScalarDot : IInt8Lanes<uint, int>
{
    public static int Lanes => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MultiplyAddBroadcast(int acc, uint a, int weights) =>
        acc + (int)(a & 0xFF) * (sbyte)weights + (int)((a >> 8) & 0xFF) * (sbyte)(weights >> 8)
            + (int)((a >> 16) & 0xFF) * (sbyte)(weights >> 16) + (int)(a >> 24) * (sbyte)(weights >> 24);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(int acc, ref int target) => target = acc;

    public static int Bytes => 4;
    public static int Zero => 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint Load(ref byte a, int offset) => Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref a, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MultiplyAdd(int acc, uint a, ref sbyte b, int offset)
    {
        ref sbyte w = ref Unsafe.Add(ref b, offset);
        // Little-endian byte order on every platform .NET runs on: byte i of the word is a[offset + i].
        return acc + (int)(a & 0xFF) * w + (int)((a >> 8) & 0xFF) * Unsafe.Add(ref w, 1)
                   + (int)((a >> 16) & 0xFF) * Unsafe.Add(ref w, 2) + (int)(a >> 24) * Unsafe.Add(ref w, 3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Sum(int acc) => acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4(int s0, int s1, int s2, int s3, ref int target, int stride)
    {
        target = s0;
        Unsafe.Add(ref target, stride) = s1;
        Unsafe.Add(ref target, 2 * stride) = s2;
        Unsafe.Add(ref target, 3 * stride) = s3;
    }
}

/// <summary>Portable 128-bit form: u8 and s8 widened to int16 (a product of the two always fits), then to int32.</summary>
internal readonly struct Vector128Dot : IInt8Dot<Vector128<byte>, Vector128<int>>
{
    public static int Bytes => 16;
    public static Vector128<int> Zero => Vector128<int>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Load(ref byte a, int offset) => Vector128.LoadUnsafe(ref a, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MultiplyAdd(Vector128<int> acc, Vector128<byte> a, ref sbyte b, int offset)
    {
        var w = Vector128.LoadUnsafe(ref b, (nuint)offset);
        var (aLow, aHigh) = Vector128.Widen(a);
        var (wLow, wHigh) = Vector128.Widen(w);
        var low = aLow.AsInt16() * wLow;   // |255 · 128| < 2^15: exact
        var high = aHigh.AsInt16() * wHigh;
        var (l0, l1) = Vector128.Widen(low);
        var (h0, h1) = Vector128.Widen(high);
        return acc + ((l0 + l1) + (h0 + h1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Sum(Vector128<int> acc) => Vector128.Sum(acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4(Vector128<int> s0, Vector128<int> s1, Vector128<int> s2, Vector128<int> s3, ref int target, int stride) =>
        ScalarDot.Store4(Vector128.Sum(s0), Vector128.Sum(s1), Vector128.Sum(s2), Vector128.Sum(s3), ref target, stride);
}

/// <summary>ARM64 SDOT: the activations (0…127) read as signed bytes, four products per int32 lane.</summary>
internal readonly struct ArmDot : IInt8Lanes<Vector128<sbyte>, Vector128<int>>
{
    public static int Lanes => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MultiplyAddBroadcast(Vector128<int> acc, Vector128<sbyte> a, int weights) =>
        Dp.DotProduct(acc, a, Vector128.Create(weights).AsSByte());

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<int> acc, ref int target) => acc.StoreUnsafe(ref target);

    public static int Bytes => 16;
    public static Vector128<int> Zero => Vector128<int>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<sbyte> Load(ref byte a, int offset) => Vector128.LoadUnsafe(ref a, (nuint)offset).AsSByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MultiplyAdd(Vector128<int> acc, Vector128<sbyte> a, ref sbyte b, int offset) =>
        Dp.DotProduct(acc, a, Vector128.LoadUnsafe(ref b, (nuint)offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Sum(Vector128<int> acc) => Vector128.Sum(acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4(Vector128<int> s0, Vector128<int> s1, Vector128<int> s2, Vector128<int> s3, ref int target, int stride) =>
        ScalarDot.Store4(Vector128.Sum(s0), Vector128.Sum(s1), Vector128.Sum(s2), Vector128.Sum(s3), ref target, stride);
}

/// <summary>
/// AVX2 without VNNI: <c>vpmaddubsw</c> multiplies u8 by s8 and adds adjacent pairs into int16 with saturation. With
/// activations at most 127 a pair is at most 2 · 127 · 128 = 32,512 in magnitude, under 32,767, so it never saturates;
/// <c>vpmaddwd</c> by ones then adds adjacent int16 pairs into int32 exactly. (PyTorch's x86 backend restricts its
/// activations to 7 bits for the same instruction: <c>reduce_range</c>.)
/// </summary>
internal readonly struct Avx2Dot : IInt8Lanes<Vector256<byte>, Vector256<int>>
{
    public static int Lanes => 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MultiplyAddBroadcast(Vector256<int> acc, Vector256<byte> a, int weights) =>
        Avx2.Add(acc, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(a, Vector256.Create(weights).AsSByte()), Vector256<short>.One));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<int> acc, ref int target) => acc.StoreUnsafe(ref target);

    public static int Bytes => 32;
    public static Vector256<int> Zero => Vector256<int>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Load(ref byte a, int offset) => Vector256.LoadUnsafe(ref a, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MultiplyAdd(Vector256<int> acc, Vector256<byte> a, ref sbyte b, int offset)
    {
        var pairs = Avx2.MultiplyAddAdjacent(a, Vector256.LoadUnsafe(ref b, (nuint)offset));
        return Avx2.Add(acc, Avx2.MultiplyAddAdjacent(pairs, Vector256<short>.One));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Sum(Vector256<int> acc) => Vector256.Sum(acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4(Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, Vector256<int> s3, ref int target, int stride) =>
        Avx256Sums.Store4(s0, s1, s2, s3, ref target, stride);
}

/// <summary>AVX-VNNI: <c>vpdpbusd</c> (u8 × s8, four products per int32 lane, no intermediate saturation).</summary>
internal readonly struct AvxVnniDot : IInt8Lanes<Vector256<byte>, Vector256<int>>
{
    public static int Lanes => 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MultiplyAddBroadcast(Vector256<int> acc, Vector256<byte> a, int weights) =>
        AvxVnni.MultiplyWideningAndAdd(acc, a, Vector256.Create(weights).AsSByte());

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<int> acc, ref int target) => acc.StoreUnsafe(ref target);

    public static int Bytes => 32;
    public static Vector256<int> Zero => Vector256<int>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Load(ref byte a, int offset) => Vector256.LoadUnsafe(ref a, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MultiplyAdd(Vector256<int> acc, Vector256<byte> a, ref sbyte b, int offset) =>
        AvxVnni.MultiplyWideningAndAdd(acc, a, Vector256.LoadUnsafe(ref b, (nuint)offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Sum(Vector256<int> acc) => Vector256.Sum(acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4(Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, Vector256<int> s3, ref int target, int stride) =>
        Avx256Sums.Store4(s0, s1, s2, s3, ref target, stride);
}

internal static class Avx256Sums
{
    /// <summary>Four horizontal sums with three <c>vphaddd</c> and one add of the halves, instead of four full reductions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4(Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, Vector256<int> s3, ref int target, int stride)
    {
        var h = Avx2.HorizontalAdd(Avx2.HorizontalAdd(s0, s1), Avx2.HorizontalAdd(s2, s3));
        var sums = h.GetLower() + h.GetUpper(); // lane i: the sum of s_i
        if (stride == 1) sums.StoreUnsafe(ref target);
        else ScalarDot.Store4(sums.GetElement(0), sums.GetElement(1), sums.GetElement(2), sums.GetElement(3), ref target, stride);
    }
}
