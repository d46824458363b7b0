using System;
using System.Linq;
using Compiled.Nets.CompilerServices;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// Every parameter-gradient kernel adds to its destination (llm.c's <c>+=</c>; the generated code zeroes the gradients
/// once per step), so a weight read by several ops sums their gradients. Each test starts from a non-zero destination
/// and calls the kernel twice on the same inputs: the destination must end at start + 2 × the single-call gradient.
/// The convolution cases include a batch that splits across the cores, where the workers' partial gradients are added
/// into the destination.
/// </summary>
public class GradientAccumulationTests
{
    private readonly ITestOutputHelper _output;
    public GradientAccumulationTests(ITestOutputHelper output) => _output = output;

    private static float[] Random(int count, int seed)
    {
        var random = new SeededRandom(seed);
        return Enumerable.Range(0, count).Select(_ => random.NextGaussian()).ToArray();
    }

    /// <summary>
    /// Runs <paramref name="gradient"/> once into zeroed destinations (the single-call gradient g), then twice into
    /// destinations that start at random values s, and checks s + g after the first call and s + 2g after the second.
    /// </summary>
    private void AssertAccumulates(string name, int[] lengths, Action<float[][]> gradient)
    {
        var single = lengths.Select(n => new float[n]).ToArray();
        gradient(single);
        Assert.True(single.Any(g => g.Any(v => v != 0f)), $"{name}: the single-call gradient is all zero, the test proves nothing");
        var start = lengths.Select((n, i) => Random(n, 100 + i)).ToArray();
        var destination = start.Select(s => (float[])s.Clone()).ToArray();
        double worst = 0;
        for (int calls = 1; calls <= 2; calls++)
        {
            gradient(destination);
            for (int d = 0; d < lengths.Length; d++)
                for (int i = 0; i < lengths[d]; i++)
                {
                    double expected = start[d][i] + calls * (double)single[d][i];
                    double scale = Math.Max(1, Math.Abs(start[d][i]) + calls * Math.Abs((double)single[d][i]));
                    double error = Math.Abs(destination[d][i] - expected) / scale;
                    worst = Math.Max(worst, error);
                    // The running sums of a long accumulation can be many times the final value (48 samples' dot products
                    // of ±14 here), and every add into the destination rounds at their magnitude: 1e-5 of the final value
                    // was within one standard deviation of that rounding. Overwriting instead of adding errs by |start|.
                    Assert.True(error < 1e-4, $"{name}: destination {d}[{i}] after {calls} call(s) is {destination[d][i]}, expected {expected} (start {start[d][i]}, single {single[d][i]})");
                }
        }
        _output.WriteLine($"{name}: start + 2 × gradient within {worst:E2} (relative)");
    }

    [Theory]
    [InlineData(1, 3, 2)]    // one sample, tiny: only the scalar columns
    [InlineData(9, 45, 7)]   // 4×32, 4×8 and scalar tiles, a ragged last block of rows
    [InlineData(32, 80, 33)] // several 4-row blocks and 32-column tiles
    public void Dense_weight_gradient_adds_to_dw_and_db(int batch, int inSize, int outSize)
    {
        float[] dz = Random(batch * outSize, 1), x = Random(batch * inSize, 2);
        AssertAccumulates($"dense {inSize} → {outSize}, batch {batch}", new[] { outSize * inSize, outSize },
            g => DenseKernels.WeightGradient(dz, x, g[0], g[1], batch, inSize, outSize));
    }

    /// <summary>A split of the batch across the cores when there is more than one (and the shape's path as expected).</summary>
    private void AssertSplits(Conv2DShape s, int batch)
    {
        int parts = BatchParallelInfo.PartsFor(batch, s.OutputSize * (long)s.PatchLength);
        _output.WriteLine($"{s} at batch {batch}: {parts} parts on {BatchParallelInfo.Threads} threads");
        Assert.True(BatchParallelInfo.Threads == 1 || parts > 1, "the batch should split across the cores");
    }

    private void ConvAccumulates(string name, Conv2DShape s, int batch)
    {
        float[] dz = Random(batch * s.OutputSize, 3), x = Random(batch * s.InputSize, 4);
        var scratch = new float[s.ScratchLength];
        AssertAccumulates($"{name}, batch {batch}", new[] { s.WeightCount, s.OutChannels },
            g => ConvKernels.WeightGradient(dz, x, g[0], g[1], batch, s, scratch));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public void Conv_im2col_weight_gradient_adds_to_dw_and_db(int batch)
    {
        // Stride 2: no shifted rows; small maps put several samples' patch rows side by side.
        var s = new Conv2DShape(6, 28, 28, 16, 5, 5, 2, 2, 2, 2);
        Assert.Equal(ConvAlgorithm.Im2Col, s.Algorithm);
        if (batch > 1) AssertSplits(s, batch);
        ConvAccumulates("im2col 6×28×28 → 16, 5×5 stride 2", s, batch);
    }

    [Fact]
    public void Pointwise_conv_weight_gradient_adds_to_dw_and_db()
    {
        var s = new Conv2DShape(16, 14, 14, 24, 1, 1);
        AssertSplits(s, 48);
        ConvAccumulates("pointwise 16×14×14 → 24", s, 48);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(32)]
    public void Shifted_rows_weight_gradient_adds_to_dw_and_db(int batch)
    {
        var s = new Conv2DShape(6, 14, 14, 16, 5, 5); // LeNet's C3
        Assert.Equal(ConvAlgorithm.ShiftedRows, s.Algorithm);
        if (batch > 2) AssertSplits(s, batch);
        ConvAccumulates("shifted rows 6×14×14 → 16, 5×5", s, batch);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(64)]
    public void Direct_depthwise_weight_gradient_adds_to_dw_and_db(int batch)
    {
        // Stride 2 depthwise: direct convolution (stride 1 would take shifted rows).
        var s = new Conv2DShape(32, 16, 16, 32, 3, 3, 2, 2, 1, 1, Groups: 32);
        Assert.Equal(ConvAlgorithm.Direct, s.Algorithm);
        if (batch > 3) AssertSplits(s, batch);
        ConvAccumulates("direct depthwise 32×16×16, 3×3 stride 2", s, batch);
    }

    [Fact]
    public void Direct_depthwise_weight_gradient_without_the_padded_plane_adds_to_dw_and_db()
    {
        // A 9×9 kernel has more than 64 taps: the direct path's general loop instead of the padded plane.
        var s = new Conv2DShape(4, 20, 20, 8, 9, 9, 2, 2, 4, 4, Groups: 4);
        Assert.Equal(ConvAlgorithm.Direct, s.Algorithm);
        ConvAccumulates("direct depthwise ×2 4×20×20, 9×9 stride 2", s, 5);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(24)]
    public void Transposed_conv_weight_gradient_adds_to_dw_and_db(int batch)
    {
        // The convolution it transposes: 8×16×16 → 6×8×8, 4×4 stride 2 pad 1 (a 2× upsampling layer 6 → 8 channels).
        var s = new Conv2DShape(8, 16, 16, 6, 4, 4, 2, 2, 1, 1);
        if (batch > 2) AssertSplits(s, batch);
        // x is shaped like the convolution's output, dz like its input.
        float[] x = Random(batch * s.OutputSize, 5), dz = Random(batch * s.InputSize, 6);
        var scratch = new float[s.ScratchLength + s.OutChannels];
        AssertAccumulates($"transposed 6×8×8 → 8×16×16, batch {batch}", new[] { s.WeightCount, s.InChannels },
            g => ConvKernels.TransposedBackward(dz, x, default, g[0], g[1], default, default, batch, s, scratch, default(LinearActivation)));
    }

    [Fact]
    public void Channel_sums_add_to_their_destination()
    {
        float[] values = Random(3 * 4 * 10, 7);
        AssertAccumulates("channel sums", new[] { 4 }, g => ConvKernels.ChannelSums(values, g[0], 3, 4, 10));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(36)] // BatchNorm2d: 36 positions per channel
    public void Batch_norm_gamma_and_beta_gradients_add_to_their_destinations(int plane)
    {
        const int batch = 6, features = 5;
        int count = batch * features * plane;
        float[] x = Random(count, 8), gamma = Random(features, 9).Select(v => 1f + 0.2f * v).ToArray(), beta = Random(features, 10);
        float[] y = new float[count], normalized = new float[count], inverseStd = new float[features];
        float[] runningMean = new float[features], runningVariance = Enumerable.Repeat(1f, features).ToArray();
        BatchNormKernels.ForwardTraining(x, y, normalized, gamma, beta, runningMean, runningVariance, inverseStd, batch, 0.1f, 1e-5f,
            default(TanhActivation), plane);
        float[] dy = Random(count, 11);
        AssertAccumulates($"batch norm, plane {plane}", new[] { features, features }, g =>
        {
            var delta = (float[])dy.Clone(); // the kernel overwrites dy with dz
            BatchNormKernels.Backward(delta, y, normalized, gamma, inverseStd, g[0], g[1], default, default, batch,
                default(TanhActivation), default(LinearActivation), plane);
        });
    }

    [Fact]
    public void PReLU_slope_gradient_is_returned_for_the_caller_to_add()
    {
        // The slope's gradient is a single value: the kernel returns it and the generated code adds it (+=).
        float[] dy = Random(200, 12), x = Random(200, 13);
        AssertAccumulates("PReLU slope", new[] { 1 }, g => g[0][0] += PReLUKernels.Backward(dy, x, 0.25f, default, default(LinearActivation)));
    }
}
