using System;

namespace Compiled.Nets.Samples.Segmentation;

/// <summary>
/// A deterministic image set for binary semantic segmentation: 32×32 grayscale images with two to four shapes (discs,
/// squares, thick bars) on a noisy, unevenly lit background crossed by one or two 1-pixel scratches as bright as the
/// shapes. The mask marks the shapes' pixels (1) against everything else (0), scratches included, so brightness alone does not
/// decide a pixel: its neighbourhood does.
/// </summary>
public static class SyntheticShapes
{
    public const int Size = 32, Pixels = Size * Size;

    /// <summary><paramref name="count"/> images and their masks, each <see cref="Pixels"/> values, image after image.</summary>
    public static (float[] Images, float[] Masks) Generate(int count, int seed)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "the image count must be positive");
        var random = new SeededRandom(seed);
        var images = new float[count * Pixels];
        var masks = new float[count * Pixels];
        for (int n = 0; n < count; n++)
            Draw(random, images.AsSpan(n * Pixels, Pixels), masks.AsSpan(n * Pixels, Pixels));
        return (images, masks);
    }

    private static void Draw(SeededRandom random, Span<float> image, Span<float> mask)
    {
        // Background: a level, a linear illumination gradient and noise.
        float level = 0.1f + 0.2f * random.NextFloat(), gx = 0.4f * (random.NextFloat() - 0.5f), gy = 0.4f * (random.NextFloat() - 0.5f);
        for (int y = 0; y < Size; y++)
            for (int x = 0; x < Size; x++)
                image[y * Size + x] = level + gx * (x - Size / 2) / Size + gy * (y - Size / 2) / Size;

        int shapes = 2 + random.NextInt(3);
        for (int s = 0; s < shapes; s++)
        {
            float brightness = 0.55f + 0.45f * random.NextFloat();
            int kind = random.NextInt(3);
            int cx = 4 + random.NextInt(Size - 8), cy = 4 + random.NextInt(Size - 8);
            int radius = 3 + random.NextInt(4), half = 2 + random.NextInt(4), length = 6 + random.NextInt(7);
            bool horizontal = random.NextInt(2) == 0;
            for (int y = 0; y < Size; y++)
                for (int x = 0; x < Size; x++)
                {
                    int dx = x - cx, dy = y - cy;
                    bool inside = kind switch
                    {
                        0 => dx * dx + dy * dy <= radius * radius,                                   // disc
                        1 => Math.Abs(dx) <= half && Math.Abs(dy) <= half,                          // square
                        _ => horizontal ? Math.Abs(dy) <= 1 && Math.Abs(dx) <= length               // bar, 3 pixels thick
                                        : Math.Abs(dx) <= 1 && Math.Abs(dy) <= length,
                    };
                    if (!inside) continue;
                    image[y * Size + x] = brightness;
                    mask[y * Size + x] = 1f;
                }
        }

        // Scratches: 1-pixel lines across the background (not over the shapes), background in the mask.
        int scratches = 1 + random.NextInt(2);
        for (int s = 0; s < scratches; s++)
        {
            float brightness = 0.55f + 0.45f * random.NextFloat();
            double angle = Math.PI * random.NextFloat(), x0 = Size * random.NextFloat(), y0 = Size * random.NextFloat();
            double cos = Math.Cos(angle), sin = Math.Sin(angle);
            for (int t = -2 * Size; t <= 2 * Size; t++)
            {
                int x = (int)Math.Round(x0 + 0.5 * t * cos), y = (int)Math.Round(y0 + 0.5 * t * sin);
                if (x < 0 || x >= Size || y < 0 || y >= Size || mask[y * Size + x] != 0f) continue;
                image[y * Size + x] = brightness;
            }
        }

        for (int i = 0; i < Pixels; i++) image[i] += 0.12f * random.NextGaussian();
    }
}
