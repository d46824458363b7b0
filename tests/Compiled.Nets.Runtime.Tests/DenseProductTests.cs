using System;
using Compiled.Nets.CompilerServices;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// The dense products against sums in double precision, for widths that leave every kind of remainder after the widest
/// vectors: 512-bit tiles hand the last columns to 256- and 128-bit tiles, then to scalars (120 = 64 + 3·16 + 8,
/// 84 = 64 + 16 + 4, 93 = 64 + 16 + 8 + 4 + 1), and the forward tiles take 512-bit vectors only for a depth of whole
/// 16-float vectors. Whatever width this machine runs, every element must be the sum it names.
/// </summary>
public class DenseProductTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 64, 400, 120 }, { 64, 120, 84 }, { 13, 84, 10 }, { 9, 93, 93 }, { 5, 784, 128 }, { 3, 16, 17 },
    };

    private static float[] Random(int count, int seed) => DenseSplitTests.Random(count, seed);

    private static void Close(double expected, float actual, int depth, string what)
    {
        // float32 sums of `depth` products of unit Gaussians: the rounding grows with the depth's square root.
        double tolerance = 2e-6 * Math.Sqrt(depth) * Math.Max(1.0, Math.Abs(expected)) + 1e-5;
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected}, got {actual}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_is_the_biased_sum(int batch, int inSize, int outSize)
    {
        float[] x = Random(batch * inSize, 1), w = Random(outSize * inSize, 2), bias = Random(outSize, 3);
        var y = new float[batch * outSize];
        DenseKernels.Forward(x, w, bias, y, batch, inSize, outSize, default(LinearActivation));
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < outSize; j++)
            {
                double sum = bias[j];
                for (int k = 0; k < inSize; k++) sum += (double)x[b * inSize + k] * w[j * inSize + k];
                Close(sum, y[b * outSize + j], inSize, $"y[{b}, {j}]");
            }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Weight_gradient_adds_the_sum_over_the_batch(int batch, int inSize, int outSize)
    {
        float[] dz = Random(batch * outSize, 4), x = Random(batch * inSize, 5);
        float[] dw = Random(outSize * inSize, 6), db = Random(outSize, 7);
        float[] dwBefore = (float[])dw.Clone(), dbBefore = (float[])db.Clone();
        DenseKernels.WeightGradient(dz, x, dw, db, batch, inSize, outSize);
        for (int j = 0; j < outSize; j++)
        {
            double biasSum = dbBefore[j];
            for (int b = 0; b < batch; b++) biasSum += dz[b * outSize + j];
            Close(biasSum, db[j], batch, $"db[{j}]");
            for (int k = 0; k < inSize; k++)
            {
                double sum = dwBefore[j * inSize + k];
                for (int b = 0; b < batch; b++) sum += (double)dz[b * outSize + j] * x[b * inSize + k];
                Close(sum, dw[j * inSize + k], batch, $"dW[{j}, {k}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Input_gradient_is_the_sum_times_the_derivative(int batch, int inSize, int outSize)
    {
        float[] dz = Random(batch * outSize, 8), w = Random(outSize * inSize, 9), yPrev = Random(batch * inSize, 10);
        var dzPrev = new float[batch * inSize];
        DenseKernels.InputGradient(dz, w, yPrev, dzPrev, batch, inSize, outSize, default(ReLUActivation));
        int zeroed = 0;
        for (int b = 0; b < batch; b++)
            for (int k = 0; k < inSize; k++)
            {
                double sum = 0;
                for (int j = 0; j < outSize; j++) sum += (double)dz[b * outSize + j] * w[j * inSize + k];
                // ReLU's derivative from its output: 1 where the unit was active, 0 where it was not.
                double expected = yPrev[b * inSize + k] > 0f ? sum : 0.0;
                if (expected == 0.0) zeroed++;
                Close(expected, dzPrev[b * inSize + k], outSize, $"dzPrev[{b}, {k}]");
            }
        Assert.InRange(zeroed, 1, batch * inSize - 1); // both branches of the derivative were checked
    }
}
