using System;
using System.Threading.Tasks;
using Compiled.Nets.CompilerServices;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// The dense kernels share big layers between cores (a batch by groups of four samples, a single sample by groups of four
/// output units, dW by output unit). Each element is summed in the same order either way, so a split result must equal the
/// one-thread result bit for bit; on a one-core machine both sides run alone and the test still checks the blocks.
/// </summary>
public class DenseSplitTests
{
    internal static float[] Random(int count, int seed)
    {
        var random = new SeededRandom(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = random.NextGaussian();
        return values;
    }

    // Big enough to split (batch ≥ 8 by samples, batch 1–7 by units past DenseKernels.MinimumWorkToSplitUnits), ragged edges.
    [Theory]
    [InlineData(1, 784, 128)]
    [InlineData(3, 301, 250)]
    [InlineData(64, 784, 128)]
    [InlineData(37, 129, 67)]
    [InlineData(8, 1000, 90)]
    public void Split_forward_equals_one_block(int batch, int inSize, int outSize)
    {
        float[] x = Random(batch * inSize, 1), w = Random(outSize * inSize, 2), bias = Random(outSize, 3);
        var split = new float[batch * outSize];
        var whole = new float[batch * outSize];
        DenseKernels.Forward(x, w, bias, split, batch, inSize, outSize, default(ReLUActivation));
        DenseKernels.ForwardBlock(x, w, bias, whole, 0, batch, 0, outSize, inSize, outSize, default(ReLUActivation));
        Assert.Equal(whole, split);
        Assert.Contains(split, v => v > 0f); // ReLU left something: the comparison is not of zeros
    }

    [Theory]
    [InlineData(64, 784, 128)]
    [InlineData(45, 130, 66)]
    public void Split_gradients_equal_one_thread(int batch, int inSize, int outSize)
    {
        float[] x = Random(batch * inSize, 4), dz = Random(batch * outSize, 5), w = Random(outSize * inSize, 6);
        float[] yPrev = Random(batch * inSize, 7);
        float[] dwSplit = Random(outSize * inSize, 8), dbSplit = Random(outSize, 9); // accumulated into
        float[] dwWhole = (float[])dwSplit.Clone(), dbWhole = (float[])dbSplit.Clone();
        var dxSplit = new float[batch * inSize];
        var dxWhole = new float[batch * inSize];
        DenseKernels.WeightGradient(dz, x, dwSplit, dbSplit, batch, inSize, outSize);
        DenseKernels.InputGradient(dz, w, yPrev, dxSplit, batch, inSize, outSize, default(TanhActivation));
        // The same calls while another thread holds the workers run alone on the calling thread.
        using (BatchParallel.HoldWorkersForTests())
        {
            DenseKernels.WeightGradient(dz, x, dwWhole, dbWhole, batch, inSize, outSize);
            DenseKernels.InputGradient(dz, w, yPrev, dxWhole, batch, inSize, outSize, default(TanhActivation));
        }
        Assert.Equal(dwWhole, dwSplit);
        Assert.Equal(dbWhole, dbSplit);
        Assert.Equal(dxWhole, dxSplit);
    }

    [Fact]
    public void Concurrent_callers_get_their_own_results()
    {
        const int batch = 16, inSize = 500, outSize = 200;
        float[] w = Random(outSize * inSize, 10), bias = Random(outSize, 11);
        var results = new bool[8];
        Parallel.For(0, results.Length, t =>
        {
            float[] x = Random(batch * inSize, 100 + t);
            var y = new float[batch * outSize];
            var expected = new float[batch * outSize];
            DenseKernels.ForwardBlock(x, w, bias, expected, 0, batch, 0, outSize, inSize, outSize, default(LinearActivation));
            bool same = true;
            for (int round = 0; round < 20; round++)
            {
                DenseKernels.Forward(x, w, bias, y, batch, inSize, outSize, default(LinearActivation));
                same &= y.AsSpan().SequenceEqual(expected);
            }
            results[t] = same;
        });
        Assert.All(results, Assert.True);
    }
}
