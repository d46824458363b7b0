using System.ComponentModel;
using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// An element-wise activation, as a struct so that generic kernels are specialised per activation
/// by the JIT (no virtual call per element). Derivatives are expressed through the output y = f(z),
/// so the backward pass needs only the stored outputs. Each vector form runs on any CPU: where its width is
/// not accelerated it works on the halves (128 bits) or lane by lane (<see cref="ActivationLanes"/>), never on an
/// emulated width; generated code calls the 256-bit form.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IActivation
{
    /// <summary>f(z) of one value.</summary>
    float Apply(float z);
    /// <summary>f(z) on four lanes.</summary>
    Vector128<float> Apply(Vector128<float> z);
    /// <summary>f(z) on eight lanes.</summary>
    Vector256<float> Apply(Vector256<float> z);
    /// <summary>f′(z) written as a function of y = f(z).</summary>
    float Derivative(float y);
    /// <summary>f′(z) written as a function of y = f(z).</summary>
    Vector128<float> Derivative(Vector128<float> y);
    /// <summary>f′(z) written as a function of y = f(z).</summary>
    Vector256<float> Derivative(Vector256<float> y);
}

/// <summary>
/// The activations' vector forms where their width is not accelerated: a 256-bit vector as two 128-bit ones (SSE-only
/// x64, ARM64), a 128-bit vector lane by lane (no SIMD at all). Software-emulated vector arithmetic is far slower.
/// </summary>
internal static class ActivationLanes
{
    public static Vector256<float> Apply<TAct>(TAct activation, Vector256<float> z) where TAct : struct, IActivation =>
        Vector256.Create(activation.Apply(z.GetLower()), activation.Apply(z.GetUpper()));

    public static Vector256<float> Derivative<TAct>(TAct activation, Vector256<float> y) where TAct : struct, IActivation =>
        Vector256.Create(activation.Derivative(y.GetLower()), activation.Derivative(y.GetUpper()));

    public static Vector128<float> Apply<TAct>(TAct activation, Vector128<float> z) where TAct : struct, IActivation =>
        Vector128.Create(activation.Apply(z.GetElement(0)), activation.Apply(z.GetElement(1)), activation.Apply(z.GetElement(2)), activation.Apply(z.GetElement(3)));

    public static Vector128<float> Derivative<TAct>(TAct activation, Vector128<float> y) where TAct : struct, IActivation =>
        Vector128.Create(activation.Derivative(y.GetElement(0)), activation.Derivative(y.GetElement(1)), activation.Derivative(y.GetElement(2)), activation.Derivative(y.GetElement(3)));
}

/// <summary>Called by generated code: the Linear activation as an <see cref="IActivation"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct LinearActivation : IActivation
{
    /// <summary>f(z) of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Apply(float z) => z;
    /// <summary>f(z) on four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector128<float> Apply(Vector128<float> z) => z;
    /// <summary>f(z) on eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Apply(Vector256<float> z) => z;
    /// <summary>f′(z) from y = f(z), one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Derivative(float y) => 1f;
    /// <summary>f′(z) from y = f(z), four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector128<float> Derivative(Vector128<float> y) => Vector128<float>.One;
    /// <summary>f′(z) from y = f(z), eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Derivative(Vector256<float> y) => Vector256<float>.One;
}

/// <summary>σ(k z) = 1 / (1 + e^(−k z)); derivative k y (1 − y).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct LogisticActivation : IActivation
{
    private readonly float _slope;
    /// <summary>The activation with its parameter <paramref name="slope"/>.</summary>
    public LogisticActivation(float slope) => _slope = slope;
    /// <summary>f(z) of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Apply(float z) => 1f / (1f + MathF.Exp(-_slope * z));
    /// <summary>f(z) on four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Apply(Vector128<float> z) => !Vector128.IsHardwareAccelerated ? ActivationLanes.Apply(this, z) :
        Vector128<float>.One / (Vector128<float>.One + ExpKernel.Exp(z * Vector128.Create(-_slope)));
    /// <summary>f(z) on eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> z) => !Vector256.IsHardwareAccelerated ? ActivationLanes.Apply(this, z) :
        Vector256<float>.One / (Vector256<float>.One + ExpKernel.Exp(z * Vector256.Create(-_slope)));
    /// <summary>f′(z) from y = f(z), one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Derivative(float y) => _slope * y * (1f - y);
    /// <summary>f′(z) from y = f(z), four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Derivative(Vector128<float> y) => !Vector128.IsHardwareAccelerated ? ActivationLanes.Derivative(this, y) :
        Vector128.Create(_slope) * y * (Vector128<float>.One - y);
    /// <summary>f′(z) from y = f(z), eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Derivative(Vector256<float> y) => !Vector256.IsHardwareAccelerated ? ActivationLanes.Derivative(this, y) :
        Vector256.Create(_slope) * y * (Vector256<float>.One - y);
}

/// <summary>tanh z; derivative 1 − y².</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct TanhActivation : IActivation
{
    /// <summary>f(z) of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Apply(float z) => MathF.Tanh(z);
    /// <summary>f(z) on four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Apply(Vector128<float> z)
    {
        if (!Vector128.IsHardwareAccelerated) return ActivationLanes.Apply(this, z);
        // tanh z = 1 − 2 / (e^(2z) + 1): saturates correctly at ±1 when e^(2z) over- or underflows.
        var e = ExpKernel.Exp(z + z);
        return Vector128<float>.One - Vector128.Create(2f) / (e + Vector128<float>.One);
    }
    /// <summary>f(z) on eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> z)
    {
        if (!Vector256.IsHardwareAccelerated) return ActivationLanes.Apply(this, z);
        // tanh z = 1 − 2 / (e^(2z) + 1): saturates correctly at ±1 when e^(2z) over- or underflows.
        var e = ExpKernel.Exp(z + z);
        return Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
    }
    /// <summary>f′(z) from y = f(z), one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Derivative(float y) => 1f - y * y;
    /// <summary>f′(z) from y = f(z), four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Derivative(Vector128<float> y) => !Vector128.IsHardwareAccelerated ? ActivationLanes.Derivative(this, y) : Vector128<float>.One - y * y;
    /// <summary>f′(z) from y = f(z), eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Derivative(Vector256<float> y) => !Vector256.IsHardwareAccelerated ? ActivationLanes.Derivative(this, y) : Vector256<float>.One - y * y;
}

/// <summary>max(0, z); derivative 1 where y &gt; 0.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct ReLUActivation : IActivation
{
    /// <summary>f(z) of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Apply(float z) => z > 0f ? z : 0f;
    /// <summary>f(z) on four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Apply(Vector128<float> z) => !Vector128.IsHardwareAccelerated ? ActivationLanes.Apply(this, z) : Vector128.Max(z, Vector128<float>.Zero);
    /// <summary>f(z) on eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> z) => !Vector256.IsHardwareAccelerated ? ActivationLanes.Apply(this, z) : Vector256.Max(z, Vector256<float>.Zero);
    /// <summary>f′(z) from y = f(z), one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Derivative(float y) => y > 0f ? 1f : 0f;
    /// <summary>f′(z) from y = f(z), four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Derivative(Vector128<float> y) => !Vector128.IsHardwareAccelerated ? ActivationLanes.Derivative(this, y) :
        Vector128.GreaterThan(y, Vector128<float>.Zero) & Vector128<float>.One;
    /// <summary>f′(z) from y = f(z), eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Derivative(Vector256<float> y) => !Vector256.IsHardwareAccelerated ? ActivationLanes.Derivative(this, y) :
        Vector256.GreaterThan(y, Vector256<float>.Zero) & Vector256<float>.One;
}

/// <summary>z for z &gt; 0, α z otherwise; derivative 1 or α.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct LeakyReLUActivation : IActivation
{
    private readonly float _alpha;
    /// <summary>The activation with its parameter <paramref name="alpha"/>.</summary>
    public LeakyReLUActivation(float alpha) => _alpha = alpha;
    /// <summary>f(z) of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Apply(float z) => z > 0f ? z : _alpha * z;
    /// <summary>f(z) on four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Apply(Vector128<float> z) => !Vector128.IsHardwareAccelerated ? ActivationLanes.Apply(this, z) :
        Vector128.ConditionalSelect(Vector128.GreaterThan(z, Vector128<float>.Zero), z, z * Vector128.Create(_alpha));
    /// <summary>f(z) on eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> z) => !Vector256.IsHardwareAccelerated ? ActivationLanes.Apply(this, z) :
        Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<float>.Zero), z, z * Vector256.Create(_alpha));
    /// <summary>f′(z) from y = f(z), one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Derivative(float y) => y > 0f ? 1f : _alpha;
    /// <summary>f′(z) from y = f(z), four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Derivative(Vector128<float> y) => !Vector128.IsHardwareAccelerated ? ActivationLanes.Derivative(this, y) :
        Vector128.ConditionalSelect(Vector128.GreaterThan(y, Vector128<float>.Zero), Vector128<float>.One, Vector128.Create(_alpha));
    /// <summary>f′(z) from y = f(z), eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Derivative(Vector256<float> y) => !Vector256.IsHardwareAccelerated ? ActivationLanes.Derivative(this, y) :
        Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), Vector256<float>.One, Vector256.Create(_alpha));
}

/// <summary>ln(1 + e^z), computed as max(z, 0) + ln(1 + e^(−|z|)) to avoid overflow; derivative σ(z) = 1 − e^(−y).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct SoftplusActivation : IActivation
{
    /// <summary>f(z) of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float z) => MathF.Max(z, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(z)));
    /// <summary>f(z) on four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Apply(Vector128<float> z) => !Vector128.IsHardwareAccelerated ? ActivationLanes.Apply(this, z) :
        Vector128.Max(z, Vector128<float>.Zero) + SimdMath.Log(Vector128<float>.One + ExpKernel.Exp(-Vector128.Abs(z)));
    /// <summary>f(z) on eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> z) => !Vector256.IsHardwareAccelerated ? ActivationLanes.Apply(this, z) :
        Vector256.Max(z, Vector256<float>.Zero) + SimdMath.Log(Vector256<float>.One + ExpKernel.Exp(-Vector256.Abs(z)));
    /// <summary>f′(z) from y = f(z), one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Derivative(float y) => 1f - MathF.Exp(-y);
    /// <summary>f′(z) from y = f(z), four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Derivative(Vector128<float> y) => !Vector128.IsHardwareAccelerated ? ActivationLanes.Derivative(this, y) : Vector128<float>.One - ExpKernel.Exp(-y);
    /// <summary>f′(z) from y = f(z), eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Derivative(Vector256<float> y) => !Vector256.IsHardwareAccelerated ? ActivationLanes.Derivative(this, y) : Vector256<float>.One - ExpKernel.Exp(-y);
}

/// <summary>1 for z ≥ 0, else 0. Its derivative is 0 almost everywhere, so it is trained by the perceptron rule.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct HeavisideActivation : IActivation
{
    /// <summary>f(z) of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Apply(float z) => z >= 0f ? 1f : 0f;
    /// <summary>f(z) on four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Apply(Vector128<float> z) => !Vector128.IsHardwareAccelerated ? ActivationLanes.Apply(this, z) :
        Vector128.GreaterThanOrEqual(z, Vector128<float>.Zero) & Vector128<float>.One;
    /// <summary>f(z) on eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> z) => !Vector256.IsHardwareAccelerated ? ActivationLanes.Apply(this, z) :
        Vector256.GreaterThanOrEqual(z, Vector256<float>.Zero) & Vector256<float>.One;
    /// <summary>f′(z) from y = f(z), one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Derivative(float y) => 0f;
    /// <summary>f′(z) from y = f(z), four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector128<float> Derivative(Vector128<float> y) => Vector128<float>.Zero;
    /// <summary>f′(z) from y = f(z), eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Derivative(Vector256<float> y) => Vector256<float>.Zero;
}

/// <summary>1 for z ≥ 0, else −1. Its derivative is 0 almost everywhere, so it is trained by the perceptron rule.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct SignActivation : IActivation
{
    /// <summary>f(z) of one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Apply(float z) => z >= 0f ? 1f : -1f;
    /// <summary>f(z) on four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Apply(Vector128<float> z) => !Vector128.IsHardwareAccelerated ? ActivationLanes.Apply(this, z) :
        Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(z, Vector128<float>.Zero), Vector128<float>.One, Vector128.Create(-1f));
    /// <summary>f(z) on eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> z) => !Vector256.IsHardwareAccelerated ? ActivationLanes.Apply(this, z) :
        Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(z, Vector256<float>.Zero), Vector256<float>.One, Vector256.Create(-1f));
    /// <summary>f′(z) from y = f(z), one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Derivative(float y) => 0f;
    /// <summary>f′(z) from y = f(z), four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector128<float> Derivative(Vector128<float> y) => Vector128<float>.Zero;
    /// <summary>f′(z) from y = f(z), eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Derivative(Vector256<float> y) => Vector256<float>.Zero;
}
