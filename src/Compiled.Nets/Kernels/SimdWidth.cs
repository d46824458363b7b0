using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// A SIMD width as a type argument: a kernel written once over <typeparamref name="TVector"/> is compiled by the JIT for each
/// width it is called with (every member is a static member of a struct, resolved and inlined per instantiation), so the
/// 256-bit, 128-bit and one-float forms are the same loops and tiles. Entry points pick the widest width the hardware runs
/// natively (<see cref="Vector256.IsHardwareAccelerated"/>, then <see cref="Vector128.IsHardwareAccelerated"/>, else
/// <see cref="ScalarWidth"/>): an unaccelerated width is emulated in software, and on an SSE-only x64 core (or
/// NativeAOT's default instruction set) that was 40–50 times slower than 128-bit code. The width-generic methods are
/// marked <see cref="MethodImplOptions.AggressiveOptimization"/>: the widths' members are inlined only by the optimizing
/// JIT, so their tier-0 code made a call per vector operation, and a training run spent its first epoch there.
/// </summary>
internal interface ISimdWidth<TVector> where TVector : unmanaged
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    static abstract TVector Zero { get; }

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(float value);

    static abstract TVector Load(ref float at, int offset);

    static abstract void Store(TVector value, ref float at, int offset);

    static abstract TVector Add(TVector left, TVector right);

    static abstract TVector Multiply(TVector left, TVector right);

    /// <summary>a·b + c, fused wherever the hardware fuses it.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>The sum of the lanes.</summary>
    static abstract float Sum(TVector value);

    static abstract TVector Apply<TAct>(TAct activation, TVector z) where TAct : struct, IActivation;

    static abstract TVector Derivative<TAct>(TAct activation, TVector y) where TAct : struct, IActivation;
}

/// <summary>AVX-512: for the convolution and dense products only, where 32 registers of 16 floats pay (guarded by <see cref="Vector512.IsHardwareAccelerated"/>).</summary>
internal readonly struct Vector512Width : ISimdWidth<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float at, int offset) => Vector512.LoadUnsafe(ref at, (nuint)offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, ref float at, int offset) => value.StoreUnsafe(ref at, (nuint)offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;
    // Every AVX-512 core has FMA.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => SimdMath.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> value) => Vector512.Sum(value);
    // The activations have 256-bit forms: the two halves through them.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply<TAct>(TAct activation, Vector512<float> z) where TAct : struct, IActivation =>
        Vector512.Create(activation.Apply(z.GetLower()), activation.Apply(z.GetUpper()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Derivative<TAct>(TAct activation, Vector512<float> y) where TAct : struct, IActivation =>
        Vector512.Create(activation.Derivative(y.GetLower()), activation.Derivative(y.GetUpper()));
}

/// <summary>AVX2 (with FMA) on x64; guarded by <see cref="Vector256.IsHardwareAccelerated"/>. ARM64 has no 256-bit vectors.</summary>
internal readonly struct Vector256Width : ISimdWidth<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float at, int offset) => Vector256.LoadUnsafe(ref at, (nuint)offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, ref float at, int offset) => value.StoreUnsafe(ref at, (nuint)offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;
    // .NET enables AVX2 and FMA together on x64, so an accelerated Vector256 always fuses.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => SimdMath.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> value) => Vector256.Sum(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply<TAct>(TAct activation, Vector256<float> z) where TAct : struct, IActivation => activation.Apply(z);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Derivative<TAct>(TAct activation, Vector256<float> y) where TAct : struct, IActivation => activation.Derivative(y);
}

/// <summary>SSE on x64 without AVX2, AdvSimd on ARM64; guarded by <see cref="Vector128.IsHardwareAccelerated"/>.</summary>
internal readonly struct Vector128Width : ISimdWidth<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(ref float at, int offset) => Vector128.LoadUnsafe(ref at, (nuint)offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, ref float at, int offset) => value.StoreUnsafe(ref at, (nuint)offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => left + right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => left * right;
    // Fused on ARM64 and on x64 with FMA; a multiply and an add on SSE-only x64, where a fused one would be emulated lane by lane.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => SimdMath.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector128<float> value) => Vector128.Sum(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply<TAct>(TAct activation, Vector128<float> z) where TAct : struct, IActivation => activation.Apply(z);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Derivative<TAct>(TAct activation, Vector128<float> y) where TAct : struct, IActivation => activation.Derivative(y);
}

/// <summary>One float per "vector": the kernels' tiles as plain register-blocked loops, for a machine (or a run) without SIMD.</summary>
internal readonly struct ScalarWidth : ISimdWidth<float>
{
    public static int Count => 1;
    public static float Zero => 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Broadcast(float value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(ref float at, int offset) => Unsafe.Add(ref at, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float value, ref float at, int offset) => Unsafe.Add(ref at, offset) = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Add(float left, float right) => left + right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Multiply(float left, float right) => left * right;
    // Not fused, as the vector kernels' scalar tails: a software fused multiply-add would be a call per value.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MultiplyAdd(float a, float b, float c) => a * b + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(float value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply<TAct>(TAct activation, float z) where TAct : struct, IActivation => activation.Apply(z);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Derivative<TAct>(TAct activation, float y) where TAct : struct, IActivation => activation.Derivative(y);
}
