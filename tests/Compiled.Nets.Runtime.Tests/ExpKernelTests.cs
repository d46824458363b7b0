using System;
using System.Runtime.Intrinsics;
using Compiled.Nets.CompilerServices;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>The activations' single-precision e^x against the double-precision one, over the whole float range and its edges.</summary>
public class ExpKernelTests
{
    private static int UlpDistance(float a, float b)
    {
        if (a == b) return 0;
        int ia = BitConverter.SingleToInt32Bits(a), ib = BitConverter.SingleToInt32Bits(b);
        if ((ia < 0) != (ib < 0)) return int.MaxValue;
        return Math.Abs(ia - ib);
    }

    private static float Exp256(float x) => ExpKernel.Exp(Vector256.Create(x)).GetElement(0);

    private static float Exp128(float x) => ExpKernel.Exp(Vector128.Create(x)).GetElement(0);

    [Fact]
    public void Within_two_ulp_of_the_correctly_rounded_result_where_it_is_normal()
    {
        int worst256 = 0, worst128 = 0;
        float worstAt = 0;
        // Every 1/4096 from −87.3 (the smallest normal result) to 88.7 (the largest finite one), plus offsets that hit
        // no grid point.
        for (double x = -87.3; x <= 88.7; x += 1.0 / 4096 + 1e-9)
        {
            float xf = (float)x;
            float expected = (float)Math.Exp(xf);
            int d256 = UlpDistance(expected, Exp256(xf)), d128 = UlpDistance(expected, Exp128(xf));
            if (d256 > worst256) { worst256 = d256; worstAt = xf; }
            worst128 = Math.Max(worst128, d128);
        }
        Assert.True(worst256 <= 2, $"256-bit e^x is {worst256} ulp off at x = {worstAt}");
        Assert.True(worst128 <= 2, $"128-bit e^x is {worst128} ulp off");
    }

    [Theory]
    [InlineData(0f, 1f)]
    [InlineData(float.PositiveInfinity, float.PositiveInfinity)]
    [InlineData(89f, float.PositiveInfinity)]
    [InlineData(88.73f, float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity, 0f)]
    [InlineData(-200f, 0f)]
    [InlineData(-104f, 0f)]
    public void Edges(float x, float expected)
    {
        Assert.Equal(expected, Exp256(x));
        Assert.Equal(expected, Exp128(x));
    }

    [Fact]
    public void NaN_stays_NaN_and_results_underflow_gradually()
    {
        Assert.True(float.IsNaN(Exp256(float.NaN)));
        Assert.True(float.IsNaN(Exp128(float.NaN)));
        // e^−95 ≈ 5.5e−42 is subnormal: within a few units of the last place of the subnormal grid.
        float expected = (float)Math.Exp(-95.0);
        Assert.True(float.IsSubnormal(expected));
        Assert.True(UlpDistance(expected, Exp256(-95f)) <= 2, $"e^-95 = {Exp256(-95f)}, expected {expected}");
        Assert.Equal(Exp256(-95f), Exp128(-95f));
        // Each lane on its own.
        var lanes = ExpKernel.Exp(Vector256.Create(-1f, 0f, 1f, 2f, float.NaN, -1000f, 1000f, 0.5f));
        Assert.Equal(new[] { MathF.Exp(-1), 1f, MathF.Exp(1), MathF.Exp(2) }, new[] { lanes[0], lanes[1], lanes[2], lanes[3] }, (a, b) => UlpDistance(a, b) <= 2);
        Assert.True(float.IsNaN(lanes[4]));
        Assert.Equal(0f, lanes[5]);
        Assert.Equal(float.PositiveInfinity, lanes[6]);
    }
}
