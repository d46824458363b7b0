using System;
using System.IO;
using System.Linq;
using Compiled.Nets.Optimizers;
using Compiled.Nets.Samples.Segmentation;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// samples/Segmentation shortened (1,000 training images, 2 epochs instead of 3,000 and 10): both the U-Net and the
/// SegNet label held-out pixels far better than calling every pixel background, and the picture is a PNG that decodes
/// to the tiles written.
/// </summary>
public class SegmentationSampleTests
{
    private readonly ITestOutputHelper _output;
    public SegmentationSampleTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Synthetic_shapes_are_deterministic_and_masks_are_binary()
    {
        var (a, maskA) = SyntheticShapes.Generate(20, seed: 3);
        var (b, maskB) = SyntheticShapes.Generate(20, seed: 3);
        Assert.Equal(a, b);
        Assert.Equal(maskA, maskB);
        Assert.All(maskA, v => Assert.True(v == 0f || v == 1f));
        double foreground = maskA.Average();
        Assert.InRange(foreground, 0.05, 0.4);
        Assert.NotEqual(a, SyntheticShapes.Generate(20, seed: 4).Images);
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticShapes.Generate(0, seed: 1));
    }

    [Fact]
    public void UNet_and_SegNet_segment_held_out_images_well_above_the_background_baseline()
    {
        var (images, masks) = SyntheticShapes.Generate(1000, seed: 1);
        var (testImages, testMasks) = SyntheticShapes.Generate(200, seed: 2);
        double baseline = 1 - testMasks.Average();
        foreach (var (name, net) in new (string, ITrainableNetwork)[] { ("U-Net", new UNet { Optimizer = new Adam(3e-3f) }), ("SegNet", new SegNet { Optimizer = new Adam(3e-3f) }) })
        {
            using (net)
            {
                var score = Segmenter.Train(net, images, masks, testImages, testMasks, epochs: 2, batchSize: 16, _output.WriteLine);
                _output.WriteLine($"{name}: {score}; all-background baseline {100 * baseline:F2}%");
                // Halving the baseline's errors at least, and most of the foreground found.
                Assert.True(score.PixelAccuracy > 1 - (1 - baseline) / 2, $"{name}: {score} against a baseline of {baseline:P2}");
                Assert.True(score.ForegroundIoU > 0.6, $"{name}: {score}");
            }
        }
    }

    [Fact]
    public void Score_counts_pixels_and_the_foreground_overlap()
    {
        var score = SegmentationScore.Of(new float[] { 0.9f, 0.2f, 0.7f, 0.1f }, new float[] { 1, 1, 0, 0 });
        Assert.Equal(0.5, score.PixelAccuracy);
        Assert.Equal(1.0 / 3, score.ForegroundIoU, 12);
        Assert.Throws<ArgumentException>(() => SegmentationScore.Of(new float[3], new float[4]));
    }
}
