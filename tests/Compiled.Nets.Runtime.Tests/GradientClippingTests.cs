using System;
using Compiled.Nets.Optimizers;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

public class GradientClippingTests
{
    private static double Norm(float[] values)
    {
        double sum = 0;
        foreach (float v in values) sum += (double)v * v;
        return Math.Sqrt(sum);
    }

    [Fact]
    public void ClipsThreeFourToUnitNorm()
    {
        var g = new[] { 3f, 4f };
        float norm = GradientClipping.ClipByGlobalNorm(g, 1f);
        Assert.Equal(5f, norm);
        // PyTorch's coefficient maxNorm / (norm + 1e-6).
        Assert.Equal(3.0 / (5 + 1e-6), g[0], 6);
        Assert.Equal(4.0 / (5 + 1e-6), g[1], 6);
        Assert.True(Math.Abs(Norm(g) - 1) <= 1e-5);
    }

    [Fact]
    public void ClipsLargeArenaToMaxNormKeepingDirection()
    {
        var random = new Random(7);
        var g = new float[1003]; // vector body and scalar tail
        for (int i = 0; i < g.Length; i++) g[i] = (float)(random.NextDouble() * 4 - 2);
        var original = (float[])g.Clone();
        double expectedNorm = Norm(original);

        float norm = GradientClipping.ClipByGlobalNorm(g, 0.5f);

        Assert.True(Math.Abs(norm - expectedNorm) <= 1e-6 * expectedNorm, $"norm {norm} vs {expectedNorm}");
        Assert.True(Math.Abs(Norm(g) - 0.5) <= 1e-5, $"clipped norm {Norm(g)}");
        float scale = (float)(0.5 / (expectedNorm + 1e-6));
        for (int i = 0; i < g.Length; i++) Assert.Equal(original[i] * scale, g[i]);
    }

    [Fact]
    public void LeavesSmallGradientsUntouched()
    {
        var g = new[] { 0.1f, -0.2f, 0.05f };
        var original = (float[])g.Clone();
        float norm = GradientClipping.ClipByGlobalNorm(g, 1f);
        Assert.Equal(Norm(original), norm, 6);
        Assert.Equal(original, g);
    }

    [Fact]
    public void LeavesGradientsAtExactlyMaxNormUntouched()
    {
        var g = new[] { 3f, 4f };
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(g, 5f));
        Assert.Equal(new[] { 3f, 4f }, g);
    }

    [Fact]
    public void EmptyArenaHasNormZero() => Assert.Equal(0f, GradientClipping.ClipByGlobalNorm(Span<float>.Empty, 1f));

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    public void NonFiniteNormIsReturnedAndGradientsKept(float bad)
    {
        var g = new[] { 1f, bad, 2f };
        float norm = GradientClipping.ClipByGlobalNorm(g, 1f);
        Assert.False(float.IsFinite(norm));
        Assert.Equal(1f, g[0]);
        Assert.Equal(2f, g[2]);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    public void RejectsNonPositiveMaxNorm(float maxNorm)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm(new float[2], maxNorm));
        Assert.Equal("maxNorm", ex.ParamName);
    }
}
