using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// e^x in single precision, inlined into the activation loops. .NET's <c>Vector256.Exp</c> widens to double and is a
/// call of its own (its temporaries spill under AVX2); a tanh layer of the XOR network spent most of its time there.
/// This is the classic range reduction x = n ln 2 + r, |r| ≤ ln 2 / 2 (ln 2 split in two parts so n ln 2 is exact),
/// e^r by a degree-7 polynomial (Cephes' expf coefficients, within 2 ulp on the reduced range), and 2ⁿ applied as two
/// powers of two of half the exponent each, so results from the subnormal range up to overflow (+∞ above 88.72) come out
/// without special cases. NaN stays NaN.
/// </summary>
internal static class ExpKernel
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;
    // Beyond these e^x is +∞ or rounds to 0 anyway; clamping keeps n (and the two half exponents) in range.
    private const float Highest = 89f, Lowest = -104f;
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var clamped = SimdMath.MinNative(SimdMath.MaxNative(x, Vector256.Create(Lowest)), Vector256.Create(Highest));
        var n = SimdMath.Round(clamped * Vector256.Create(Log2E));
        var r = SimdMath.FusedMultiplyAdd(n, Vector256.Create(-Ln2High), clamped);
        r = SimdMath.FusedMultiplyAdd(n, Vector256.Create(-Ln2Low), r);
        var p = SimdMath.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = SimdMath.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = SimdMath.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = SimdMath.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = SimdMath.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        p = SimdMath.FusedMultiplyAdd(p, r * r, r + Vector256<float>.One);
        var exponent = SimdMath.ConvertToInt32Native(n);
        var half = Vector256.ShiftRightArithmetic(exponent, 1);
        var scaleA = Vector256.ShiftLeft(half + Vector256.Create(127), 23).AsSingle();
        var scaleB = Vector256.ShiftLeft(exponent - half + Vector256.Create(127), 23).AsSingle();
        var result = p * scaleA * scaleB;
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        var clamped = SimdMath.MinNative(SimdMath.MaxNative(x, Vector128.Create(Lowest)), Vector128.Create(Highest));
        var n = SimdMath.Round(clamped * Vector128.Create(Log2E));
        // MultiplyAddEstimate fuses where the hardware has FMA; an SSE-only core multiplies and adds, still within the 2 ulp.
        var r = SimdMath.MultiplyAddEstimate(n, Vector128.Create(-Ln2High), clamped);
        r = SimdMath.MultiplyAddEstimate(n, Vector128.Create(-Ln2Low), r);
        var p = SimdMath.MultiplyAddEstimate(Vector128.Create(P0), r, Vector128.Create(P1));
        p = SimdMath.MultiplyAddEstimate(p, r, Vector128.Create(P2));
        p = SimdMath.MultiplyAddEstimate(p, r, Vector128.Create(P3));
        p = SimdMath.MultiplyAddEstimate(p, r, Vector128.Create(P4));
        p = SimdMath.MultiplyAddEstimate(p, r, Vector128.Create(P5));
        p = SimdMath.MultiplyAddEstimate(p, r * r, r + Vector128<float>.One);
        var exponent = SimdMath.ConvertToInt32Native(n);
        var half = Vector128.ShiftRightArithmetic(exponent, 1);
        var scaleA = Vector128.ShiftLeft(half + Vector128.Create(127), 23).AsSingle();
        var scaleB = Vector128.ShiftLeft(exponent - half + Vector128.Create(127), 23).AsSingle();
        var result = p * scaleA * scaleB;
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), result, x);
    }
}
