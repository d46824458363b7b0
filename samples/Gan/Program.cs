using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Compiled.Nets;
using Compiled.Nets.Data;
using Compiled.Nets.IO;
using Compiled.Nets.Optimizers;
using Compiled.Nets.Samples.Mnist;
using Compiled.Nets.Training;

namespace Compiled.Nets.Samples.Gan;

/// <summary>
/// DCGAN's generator (Radford et al. 2016) sized for 28 × 28 digits: the latent vector as a 1 × 1 map, transposed
/// convolutions up to 7 × 7, 14 × 14 and 28 × 28, BatchNorm and ReLU between them, tanh at the output, N(0, 0.02) weights.
/// Its loss is never used: it learns from the discriminator's input gradient.
/// </summary>
[Network(Loss = Loss.MeanSquaredError, Seed = 1, Initialization = Initialization.DcganNormal)]
public partial class DigitGenerator
{
    public const int Latent = 64;

    [Input(Latent, 1, 1)] public partial Layer Noise { get; }
    [ConvTranspose2D(128, 7)] public partial Layer Project { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer Norm1 { get; }
    [ConvTranspose2D(64, 4, Stride = 2, PaddingSize = 1)] public partial Layer Up1 { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer Norm2 { get; }
    [ConvTranspose2D(1, 4, Activation.Tanh, Stride = 2, PaddingSize = 1)] public partial Layer Image { get; }
}

/// <summary>
/// DCGAN's discriminator: strided convolutions instead of pooling, leaky ReLU 0.2, BatchNorm on the inner layer (not on
/// the input layer), one logistic output: the probability that an image is real.
/// </summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 2, Initialization = Initialization.DcganNormal)]
public partial class DigitDiscriminator
{
    [Input(1, 28, 28)] public partial Layer Image { get; }
    [Conv2D(64, 4, Activation.LeakyReLU, Slope = 0.2f, Stride = 2, PaddingSize = 1)] public partial Layer Down1 { get; }
    [Conv2D(128, 4, Stride = 2, PaddingSize = 1)] public partial Layer Down2 { get; }
    [BatchNorm(Activation.LeakyReLU, Slope = 0.2f)] public partial Layer Norm { get; }
    [Dense(1, Activation.Logistic)] public partial Layer Real { get; }
}

/// <summary>
/// Trains the DCGAN on the bundled MNIST training images, writes a grid of samples from fixed noise after every epoch, then
/// judges 1,000 generated digits with the main job's LeNet-5: how many it classifies with probability ≥ 0.9, and how
/// the digits spread over the ten classes (a collapsed generator makes few classes).
/// </summary>
public static class DigitGan
{
    public const int BatchSize = 64, Judged = 1000;
    public const float ConfidentProbability = 0.9f;

    public sealed record EpochReport(int Epoch, float DiscriminatorLoss, float GeneratorLoss, double Seconds, Judgement Judgement, string? Grid);

    public sealed record Judgement(double Confident, double[] ClassShares, double JudgeTestAccuracy)
    {
        public double SmallestClassShare => ClassShares.Min();
    }

    /// <param name="Judgement">The final generator's digits at inference (BatchNorm's running statistics).</param>
    /// <param name="BatchStatisticsJudgement">The same latent vectors in batches of 100 normalised by their own statistics,
    /// as PyTorch's DCGAN example draws its samples (the generator left in training mode).</param>
    public sealed record Result(EpochReport[] Epochs, Judgement Judgement, Judgement BatchStatisticsJudgement, string? FinalGrid, string? Weights);

    /// <summary>
    /// Trains for <paramref name="epochs"/> over <paramref name="images"/> (pixels in [0, 1], scaled to tanh's [−1, 1] here),
    /// then judges with <paramref name="judge"/>. Grids go to <paramref name="outputDirectory"/> when it is given.
    /// </summary>
    public static Result Run(ClassificationData images, int epochs, ITrainableNetwork judge, double judgeTestAccuracy,
        string? outputDirectory, int seed = 1, Action<string>? log = null)
    {
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Train for at least one epoch.");
        if (images.FeatureCount != 784) throw new ArgumentException($"DCGAN here reads 28 × 28 images; these have {images.FeatureCount} features.", nameof(images));
        using var generator = new DigitGenerator(seed) { Optimizer = new Adam(2e-4f, beta1: 0.5f) };
        using var discriminator = new DigitDiscriminator(seed + 1) { Optimizer = new Adam(2e-4f, beta1: 0.5f) };
        var gan = new AdversarialTraining(generator, discriminator, BatchSize);
        if (outputDirectory is not null) Directory.CreateDirectory(outputDirectory);

        var random = new SeededRandom(seed);
        var fixedNoise = Gaussian(random, 64 * DigitGenerator.Latent);
        var real = new float[BatchSize * 784];
        var noise = new float[BatchSize * DigitGenerator.Latent];
        int[] order = Enumerable.Range(0, images.Count).ToArray();
        int batches = images.Count / BatchSize;
        var reports = new EpochReport[epochs];
        string? grid = null;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            random.Shuffle(order.AsSpan());
            double dSum = 0, gSum = 0;
            for (int b = 0; b < batches; b++)
            {
                for (int i = 0; i < BatchSize; i++)
                {
                    var pixels = images.Features.AsSpan(order[b * BatchSize + i] * 784, 784);
                    for (int p = 0; p < 784; p++) real[i * 784 + p] = 2f * pixels[p] - 1f;
                }
                for (int i = 0; i < noise.Length; i++) noise[i] = random.NextGaussian();
                var losses = gan.Step(real, noise);
                dSum += losses.Discriminator;
                gSum += losses.Generator;
            }
            if (outputDirectory is not null)
            {
                grid = Path.Combine(outputDirectory, $"gan-epoch-{epoch:D2}.png");
                WriteGrid(generator, fixedNoise, grid);
            }
            double seconds = clock.Elapsed.TotalSeconds;
            // The same 1,000 latent vectors every epoch, from a stream of their own: the training's draws stay as they are.
            var judgement = Judge(generator, judge, judgeTestAccuracy, new SeededRandom(seed + 1000));
            reports[epoch - 1] = new EpochReport(epoch, (float)(dSum / batches), (float)(gSum / batches), seconds, judgement, grid);
            string where = grid is null ? "" : $", samples in {grid}";
            log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch,2}/{epochs}: discriminator loss {dSum / batches:F4}, generator loss {gSum / batches:F4}, {seconds:F1} s; " +
                $"judged confident {judgement.Confident:P1}, smallest class {judgement.SmallestClassShare:P1}{where}"));
        }

        var batchStatistics = Judge(generator, judge, judgeTestAccuracy, new SeededRandom(seed + 1000), batchStatistics: true);
        string? weights = null;
        if (outputDirectory is not null)
        {
            weights = Path.Combine(outputDirectory, "dcgan-generator.safetensors");
            generator.Save(weights);
        }
        return new Result(reports, reports[^1].Judgement, batchStatistics, grid, weights);
    }

    /// <summary>Generates <see cref="Judged"/> digits from fresh noise and classifies them with <paramref name="judge"/>.</summary>
    public static Judgement Judge(DigitGenerator generator, ITrainableNetwork judge, double judgeTestAccuracy, SeededRandom random,
        bool batchStatistics = false)
    {
        var noise = Gaussian(random, Judged * DigitGenerator.Latent);
        var digits = new float[Judged * 784];
        if (!batchStatistics) generator.Predict(noise, digits);
        else
        {
            const int chunk = 100;
            for (int start = 0; start < Judged; start += chunk)
                generator.ForwardTraining(noise.AsSpan(start * DigitGenerator.Latent, chunk * DigitGenerator.Latent),
                    digits.AsSpan(start * 784, chunk * 784), chunk);
        }
        for (int i = 0; i < digits.Length; i++) digits[i] = 0.5f * (digits[i] + 1f);   // back to the judge's [0, 1]
        return JudgeDigits(digits, judge, judgeTestAccuracy);
    }

    /// <summary>Classifies <see cref="Judged"/> digits (28 × 28 pixels in [0, 1] each) with <paramref name="judge"/>.</summary>
    public static Judgement JudgeDigits(float[] digits, ITrainableNetwork judge, double judgeTestAccuracy)
    {
        if (digits.Length != Judged * 784)
            throw new ArgumentException($"Judging takes {Judged} digits of 784 pixels ({Judged * 784} values); these are {digits.Length} values.", nameof(digits));
        var probabilities = new float[Judged * 10];
        judge.Predict(digits, probabilities);
        int confident = 0;
        var counts = new int[10];
        for (int n = 0; n < Judged; n++)
        {
            var p = probabilities.AsSpan(n * 10, 10);
            int best = 0;
            for (int k = 1; k < 10; k++) if (p[k] > p[best]) best = k;
            counts[best]++;
            if (p[best] >= ConfidentProbability) confident++;
        }
        return new Judgement((double)confident / Judged, counts.Select(c => (double)c / Judged).ToArray(), judgeTestAccuracy);
    }

    /// <summary>An 8 × 8 grid of the generator's digits for <paramref name="noise"/> (64 latent vectors).</summary>
    public static void WriteGrid(DigitGenerator generator, float[] noise, string path)
    {
        int count = noise.Length / DigitGenerator.Latent;
        var digits = new float[count * 784];
        generator.Predict(noise, digits);
        PngImage.WriteGrid(path, digits, count, 28, 28, columns: 8, min: -1f, max: 1f);
    }

    /// <summary>The main job's LeNet-5, trained as the main job trains it (Adam 10⁻³, cosine schedule, shifts of up to 2 pixels).</summary>
    public static (LeNet5 Judge, double TestAccuracy) TrainJudge(ClassificationData train, ClassificationData test, int epochs, int seed = 1)
    {
        var judge = new LeNet5(seed) { Optimizer = new Adam(learningRate: 1e-3f) };
        judge.Fit(train, Compiled.Nets.Samples.Mnist.Program.TrainingOptions(lenet: true, epochs, seed));
        var (_, accuracy) = Trainer.Evaluate(judge, test);
        return (judge, accuracy);
    }

    private static float[] Gaussian(SeededRandom random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = random.NextGaussian();
        return values;
    }
}

public static class Program
{
    public static int Main(string[] args)
    {
        int epochs = 10, judgeEpochs = 20;
        var judgeFiles = new System.Collections.Generic.List<string>();
        string output = "gan-output";
        string data = Path.Combine(AppContext.BaseDirectory, "data", "mnist");
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs" when i + 1 < args.Length && int.TryParse(args[i + 1], out int e) && e > 0: epochs = e; i++; break;
                case "--judge-epochs" when i + 1 < args.Length && int.TryParse(args[i + 1], out int j) && j > 0: judgeEpochs = j; i++; break;
                case "--out" when i + 1 < args.Length: output = args[++i]; break;
                case "--data" when i + 1 < args.Length: data = args[++i]; break;
                case "--judge-images" when i + 1 < args.Length: judgeFiles.Add(args[++i]); break;
                default:
                    Console.Error.WriteLine($"unknown or incomplete argument '{args[i]}'");
                    Console.Error.WriteLine("usage: dotnet run -c Release --project samples/Gan -- [--epochs N] [--judge-epochs N] [--out DIR] [--data DIR with MNIST IDX files] [--judge-images FILE]...");
                    Console.Error.WriteLine("  --judge-images: judge 1,000 digits from a raw float32 file (1000 × 784 pixels in [0, 1]) instead of training, e.g. from pytorch_dcgan.py");
                    return 2;
            }
        }
        var total = Stopwatch.StartNew();
        var (train, test) = Compiled.Nets.Data.Mnist.LoadDirectory(data);
        Console.WriteLine($"DCGAN on the bundled MNIST: {train.Count} training images, batch {DigitGan.BatchSize}, Adam 2e-4 with β₁ 0.5, {epochs} epochs.");

        Console.WriteLine($"training the judge (LeNet-5, {judgeEpochs} epochs, as the main job) ...");
        var (judge, judgeAccuracy) = DigitGan.TrainJudge(train, test, judgeEpochs);
        using var _ = judge;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"judge test accuracy {judgeAccuracy:P2}"));

        if (judgeFiles.Count > 0)
        {
            foreach (string file in judgeFiles)
            {
                var bytes = File.ReadAllBytes(file);
                if (bytes.Length != DigitGan.Judged * 784 * sizeof(float))
                {
                    Console.Error.WriteLine($"{file}: {bytes.Length} bytes; a file of {DigitGan.Judged} digits as float32 has {DigitGan.Judged * 784 * sizeof(float)}");
                    return 2;
                }
                var digits = new float[DigitGan.Judged * 784];
                for (int i = 0; i < digits.Length; i++) digits[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
                Report(Path.GetFileName(file), DigitGan.JudgeDigits(digits, judge, judgeAccuracy));
            }
            return 0;
        }

        var result = DigitGan.Run(train, epochs, judge, judgeAccuracy, output, log: Console.WriteLine);
        void Report(string how, DigitGan.Judgement verdict)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{DigitGan.Judged} generated digits ({how}): {verdict.Confident:P1} classified with probability ≥ {DigitGan.ConfidentProbability} (target 80%); " +
                $"smallest class share {verdict.SmallestClassShare:P1} (target 4%)"));
            Console.WriteLine("  class shares: " + string.Join(", ", verdict.ClassShares.Select((s, k) => string.Create(CultureInfo.InvariantCulture, $"{k}: {s:P1}"))));
        }
        Report("inference, running statistics", result.Judgement);
        Report("batch statistics, as PyTorch's example samples", result.BatchStatisticsJudgement);
        var verdict = result.Judgement;
        Console.WriteLine($"generator weights in {result.Weights}");
        Console.WriteLine($"done in {total.Elapsed.TotalSeconds:F1} s; sample grids in {Path.GetFullPath(output)}");
        return verdict.Confident >= 0.8 && verdict.SmallestClassShare >= 0.04 ? 0 : 1;
    }
}
