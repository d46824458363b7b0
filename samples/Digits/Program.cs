using System;
using System.Diagnostics;
using System.IO;
using Compiled.Nets;
using Compiled.Nets.Data;
using Compiled.Nets.IO;
using Compiled.Nets.Optimizers;
using Compiled.Nets.Training;

namespace Compiled.Nets.Samples.Digits;

/// <summary>
/// A small residual network for the UCI 8×8 digits: a stem convolution, a block of two convolutions whose output is
/// added back to the stem's (the shortcut), pooling, a wider convolution, global average pooling and the classifier.
/// The graph is declared with nameof: the generator orders it and sums the stem's two gradients on the way back.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 7, Initialization = Initialization.HeUniform)]
public partial class ResidualDigits
{
    [Input(1, 8, 8)] public partial Layer Image { get; }
    [Conv2D(16, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Stem { get; }
    [Conv2D(16, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer BlockA { get; }
    [Conv2D(16, 3, Padding = Padding.Same)] public partial Layer BlockB { get; }
    [Add(nameof(Stem), nameof(BlockB), Activation = Activation.ReLU)] public partial Layer Residual { get; }
    [MaxPool(2)] public partial Layer Pool { get; }
    [Conv2D(32, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Wide { get; }
    [GlobalAveragePool] public partial Layer Global { get; }
    [Dense(10, Activation.Softmax, Initialization = Initialization.GlorotUniform)] public partial Layer Digit { get; }
}

public static class Program
{
    public static int Main(string[] args)
    {
        if (Compiled.Nets.Cuda.KernelDump.TryDump(args, new ResidualDigits()))
            return 0;
        var clock = Stopwatch.StartNew();
        string path = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "data", "digits.csv.gz");
        var (train, test, accuracy, history) = Train(path, epochs: 30, progress: epoch =>
            Console.WriteLine($"epoch {epoch.Epoch,2}: train loss {epoch.TrainingLoss:F4} | held-out loss {epoch.ValidationLoss:F4}, accuracy {epoch.ValidationAccuracy:P2}"));
        Console.WriteLine($"held-out accuracy: {accuracy:P2} on {test.Count} images ({train.Count} trained on), {clock.Elapsed.TotalSeconds:F1} s");
        return accuracy >= 0.95 ? 0 : 1;
    }

    /// <summary>Loads the digits, holds out a stratified 30%, trains with Adam and returns the held-out accuracy.</summary>
    public static (ClassificationData Train, ClassificationData Test, double Accuracy, TrainingHistory History) Train(
        string path, int epochs, Action<EpochResult>? progress = null)
    {
        var data = ClassificationData.LoadCsv(path);
        // Pixels count 0..16 on-pixels per 4×4 block: scaled to [0, 1].
        var scaled = new ClassificationData(Array.ConvertAll(data.Features, v => v / 16f), data.Labels, data.FeatureCount, data.ClassCount);
        var (train, test) = scaled.Split(testFraction: 0.3, seed: 42);
        var net = new ResidualDigits();
        net.Optimizer = new Adam(learningRate: 3e-3f);
        Console.WriteLine(net.Summary());
        var options = new FitOptions { Epochs = epochs, BatchSize = 32, Seed = 1, Schedule = new CosineAnnealing(epochs, minRate: 1e-5f) };
        var report = progress is null ? null : new Reporter(progress);
        var history = net.Fit(train, options, test, report);
        var (_, accuracy) = Trainer.Evaluate(net, test);
        return (train, test, accuracy, history);
    }

    private sealed class Reporter(Action<EpochResult> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Completed is { } epoch) report(epoch);
        }
    }
}
