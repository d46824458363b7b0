using System;
using Compiled.Nets.Training;

namespace Compiled.Nets.Data;

/// <summary>Ready-made sample augmentations for <see cref="FitOptions.Augmentation"/>.</summary>
public static class Augmentation
{
    /// <summary>
    /// Moves each image (<paramref name="channels"/> × <paramref name="height"/> × <paramref name="width"/>, NCHW) by a random
    /// whole number of pixels in [−maxShift, maxShift] in each direction, filling the uncovered border with
    /// <paramref name="fill"/> (the background: 0 for MNIST scaled to [0, 1]). The classic augmentation for digits.
    /// </summary>
    public static SampleAugmentation RandomShift(int channels, int height, int width, int maxShift, float fill = 0f)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(channels), $"an image shape must be positive, got [{channels}, {height}, {width}]");
        if (maxShift < 0 || maxShift >= Math.Min(height, width))
            throw new ArgumentOutOfRangeException(nameof(maxShift), maxShift, $"the shift must be in [0, {Math.Min(height, width) - 1}] for {height}×{width} images");
        int size = channels * height * width;
        var copy = new float[size]; // one buffer per augmentation: Fit calls it from one thread
        return (sample, random) =>
        {
            if (sample.Length != size)
                throw new ArgumentException($"the sample has {sample.Length} values, but RandomShift was made for [{channels}, {height}, {width}] = {size}", nameof(sample));
            int dy = random.NextInt(2 * maxShift + 1) - maxShift, dx = random.NextInt(2 * maxShift + 1) - maxShift;
            if (dy == 0 && dx == 0) return;
            sample.CopyTo(copy);
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < height; y++)
                {
                    int sy = y - dy;
                    var row = sample.Slice((c * height + y) * width, width);
                    if ((uint)sy >= (uint)height) { row.Fill(fill); continue; }
                    for (int x = 0; x < width; x++)
                    {
                        int sx = x - dx;
                        row[x] = (uint)sx < (uint)width ? copy[(c * height + sy) * width + sx] : fill;
                    }
                }
        };
    }
}
