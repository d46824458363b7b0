using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Compiled.Nets;
using Compiled.Nets.Optimizers;

namespace Compiled.Nets.Samples.Segmentation;

/// <summary>
/// A small U-Net (Ronneberger et al. 2015): two encoder stages with max pooling, a bottleneck, transposed-convolution
/// upsampling, and each encoder stage's maps concatenated into the decoder stage of the same size; a logistic mask per pixel.
/// </summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 1, Initialization = Initialization.HeUniform)]
public partial class UNet
{
    [Input(1, 32, 32)] public partial Layer Image { get; }
    [Conv2D(8, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Encoder1 { get; }      // [8, 32, 32]
    [MaxPool(2)] public partial Layer Down1 { get; }                                                     // [8, 16, 16]
    [Conv2D(16, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Encoder2 { get; }     // [16, 16, 16]
    [MaxPool(2)] public partial Layer Down2 { get; }                                                     // [16, 8, 8]
    [Conv2D(32, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Bottleneck { get; }   // [32, 8, 8]
    [ConvTranspose2D(16, 2, Activation.ReLU, Stride = 2)] public partial Layer Up2 { get; }             // [16, 16, 16]
    [Concat(nameof(Encoder2), nameof(Up2))] public partial Layer Skip2 { get; }                          // [32, 16, 16]
    [Conv2D(16, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Decoder2 { get; }
    [ConvTranspose2D(8, 2, Activation.ReLU, Stride = 2)] public partial Layer Up1 { get; }              // [8, 32, 32]
    [Concat(nameof(Encoder1), nameof(Up1))] public partial Layer Skip1 { get; }                          // [16, 32, 32]
    [Conv2D(8, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Decoder1 { get; }
    [Conv2D(1, 1, Activation.Logistic)] public partial Layer Mask { get; }                              // [1, 32, 32]
}

/// <summary>
/// A small SegNet (Badrinarayanan et al. 2015): the encoder's max poolings keep their switches (where each window's
/// maximum was) and the decoder's MaxUnpool layers put values back at those positions, each followed by convolutions
/// that fill in the rest; BatchNorm after every convolution but the last, a logistic mask per pixel.
/// </summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 1, Initialization = Initialization.HeUniform)]
public partial class SegNet
{
    [Input(1, 32, 32)] public partial Layer Image { get; }
    [Conv2D(8, 3, Padding = Padding.Same)] public partial Layer Encoder1 { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer EncoderNorm1 { get; }                              // [8, 32, 32]
    [MaxPool(2)] public partial Layer Pool1 { get; }                                                     // [8, 16, 16]
    [Conv2D(16, 3, Padding = Padding.Same)] public partial Layer Encoder2 { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer EncoderNorm2 { get; }                              // [16, 16, 16]
    [MaxPool(2)] public partial Layer Pool2 { get; }                                                     // [16, 8, 8]
    [Conv2D(16, 3, Padding = Padding.Same)] public partial Layer Encoder3 { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer EncoderNorm3 { get; }                              // [16, 8, 8]
    [MaxUnpool(nameof(Pool2), Size = 2, Stride = 2)] public partial Layer Unpool2 { get; }               // [16, 16, 16]
    [Conv2D(8, 3, Padding = Padding.Same)] public partial Layer Decoder2 { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer DecoderNorm2 { get; }                              // [8, 16, 16]
    [MaxUnpool(nameof(Pool1), Size = 2, Stride = 2)] public partial Layer Unpool1 { get; }               // [8, 32, 32]
    [Conv2D(8, 3, Padding = Padding.Same)] public partial Layer Decoder1 { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer DecoderNorm1 { get; }                              // [8, 32, 32]
    [Conv2D(1, 3, Activation.Logistic, Padding = Padding.Same)] public partial Layer Mask { get; }      // [1, 32, 32]
}

/// <summary>Per-pixel accuracy and the foreground's intersection over union, thresholding the mask at 0.5.</summary>
public readonly record struct SegmentationScore(double PixelAccuracy, double ForegroundIoU)
{
    public static SegmentationScore Of(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth)
    {
        if (predicted.Length != truth.Length || truth.Length == 0)
            throw new ArgumentException($"{predicted.Length} predicted values for {truth.Length} mask values");
        long correct = 0, intersection = 0, union = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            bool p = predicted[i] >= 0.5f, t = truth[i] >= 0.5f;
            if (p == t) correct++;
            if (p && t) intersection++;
            if (p || t) union++;
        }
        return new SegmentationScore((double)correct / truth.Length, union == 0 ? 1 : (double)intersection / union);
    }

    public override string ToString() => $"pixel accuracy {100 * PixelAccuracy:F2}%, foreground IoU {ForegroundIoU:F3}";
}

/// <summary>Mini-batch training with a held-out evaluation after every epoch.</summary>
public static class Segmenter
{
    public static SegmentationScore Train(ITrainableNetwork net, float[] images, float[] masks, float[] testImages, float[] testMasks,
        int epochs, int batchSize, Action<string>? log = null)
    {
        int pixels = net.InputLength, count = images.Length / pixels;
        if (net.OutputLength != pixels || count * pixels != images.Length || masks.Length != images.Length || testMasks.Length != testImages.Length)
            throw new ArgumentException("images and masks must be whole, equal-sized sets of the network's input size");
        if (epochs <= 0 || batchSize <= 0 || batchSize > count) throw new ArgumentOutOfRangeException(nameof(batchSize), $"epochs {epochs}, batch {batchSize} of {count} images");
        var order = Enumerable.Range(0, count).ToArray();
        var random = new SeededRandom(7);
        var batchImages = new float[batchSize * pixels];
        var batchMasks = new float[batchSize * pixels];
        var predicted = new float[testMasks.Length];
        var score = default(SegmentationScore);
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            random.Shuffle(order.AsSpan());
            double loss = 0;
            int batches = 0;
            for (int start = 0; start + batchSize <= count; start += batchSize, batches++)
            {
                for (int b = 0; b < batchSize; b++)
                {
                    images.AsSpan(order[start + b] * pixels, pixels).CopyTo(batchImages.AsSpan(b * pixels));
                    masks.AsSpan(order[start + b] * pixels, pixels).CopyTo(batchMasks.AsSpan(b * pixels));
                }
                loss += net.TrainStep(batchImages, batchMasks, batchSize);
            }
            net.Predict(testImages, predicted);
            score = SegmentationScore.Of(predicted, testMasks);
            log?.Invoke($"  epoch {epoch}/{epochs}: training loss {loss / batches:F4}, held-out {score} ({clock.Elapsed.TotalSeconds:F1} s)");
        }
        return score;
    }
}

public static class Program
{
    public static int Main(string[] args)
    {
        int epochs = Option(args, "--epochs", 10), train = Option(args, "--train", 3000), test = Option(args, "--test", 500);
        string picture = args.SkipWhile(a => a != "--picture").Skip(1).FirstOrDefault() ?? "segmentation.png";
        const int batch = 16;
        var (images, masks) = SyntheticShapes.Generate(train, seed: 1);
        var (testImages, testMasks) = SyntheticShapes.Generate(test, seed: 2);
        double foreground = testMasks.Average();
        Console.WriteLine($"Synthetic shapes, {SyntheticShapes.Size}×{SyntheticShapes.Size}: {train} training and {test} held-out images; " +
            $"{100 * foreground:F1}% of held-out pixels are shapes, so calling every pixel background scores {100 * (1 - foreground):F2}%.");
        Console.WriteLine($"{epochs} epochs, batch {batch}, Adam 3e-3; {Environment.ProcessorCount} cores.");

        using var unet = new UNet { Optimizer = new Adam(3e-3f) };
        using var segnet = new SegNet { Optimizer = new Adam(3e-3f) };
        var scores = new (string Name, ITrainableNetwork Net, SegmentationScore Score, double Seconds)[2];
        int index = 0;
        foreach (var (name, net) in new (string, ITrainableNetwork)[] { ("U-Net", unet), ("SegNet", segnet) })
        {
            Console.WriteLine($"{name}: {net.Parameters.Length:N0} parameters");
            var clock = Stopwatch.StartNew();
            var score = Segmenter.Train(net, images, masks, testImages, testMasks, epochs, batch, Console.WriteLine);
            scores[index++] = (name, net, score, clock.Elapsed.TotalSeconds);
        }
        foreach (var (name, _, score, seconds) in scores)
            Console.WriteLine($"{name,-7} held-out {score}, {seconds:F1} s of training");

        WritePicture(picture, testImages, testMasks, unet, segnet, rows: 6);
        Console.WriteLine($"wrote {Path.GetFullPath(picture)}: rows of image, true mask, U-Net's mask, SegNet's mask (probabilities, black 0, white 1)");
        return 0;
    }

    /// <summary>A grid of the first <paramref name="rows"/> held-out images: image, true mask, U-Net's and SegNet's predicted masks.</summary>
    public static void WritePicture(string path, float[] testImages, float[] testMasks, INetwork unet, INetwork segnet, int rows)
    {
        const int pixels = SyntheticShapes.Pixels, scale = 4, side = SyntheticShapes.Size * scale;
        var tiles = new float[rows * 4 * side * side];
        var predicted = new float[pixels];
        for (int r = 0; r < rows; r++)
        {
            var image = testImages.AsSpan(r * pixels, pixels);
            // The image stretched from [−0.2, 1.2] to [0, 1] for display.
            Upscale(image.ToArray().Select(v => (v + 0.2f) / 1.4f).ToArray(), tiles.AsSpan((r * 4) * side * side, side * side), scale);
            Upscale(testMasks.AsSpan(r * pixels, pixels), tiles.AsSpan((r * 4 + 1) * side * side, side * side), scale);
            unet.Forward(image, predicted);
            Upscale(predicted, tiles.AsSpan((r * 4 + 2) * side * side, side * side), scale);
            segnet.Forward(image, predicted);
            Upscale(predicted, tiles.AsSpan((r * 4 + 3) * side * side, side * side), scale);
        }
        Compiled.Nets.IO.PngImage.WriteGrid(path, tiles, rows * 4, side, side, columns: 4);
    }

    private static void Upscale(ReadOnlySpan<float> source, Span<float> target, int scale)
    {
        int n = SyntheticShapes.Size, wide = n * scale;
        for (int y = 0; y < wide; y++)
            for (int x = 0; x < wide; x++)
                target[y * wide + x] = source[y / scale * n + x / scale];
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        if (at < 0) return fallback;
        if (at + 1 >= args.Length || !int.TryParse(args[at + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value <= 0)
            throw new ArgumentException($"{name} takes a positive whole number");
        return value;
    }
}
