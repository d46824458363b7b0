using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Compiled.Nets;
using Compiled.Nets.Data;
using Compiled.Nets.IO;
using Compiled.Nets.Optimizers;
using Compiled.Nets.Training;

namespace Compiled.Nets.Samples.Pretraining;

/// <summary>An autoencoder pre-trained on the unlabelled images: its encoder layers are named as the classifier's.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 1)]
public partial class DigitAutoencoder
{
    [Input(784)] public partial Layer Pixels { get; }
    [Dense(256, Activation.ReLU)] public partial Layer Encoder1 { get; }
    [Dense(128, Activation.ReLU)] public partial Layer Encoder2 { get; }
    [Dense(256, Activation.ReLU)] public partial Layer Decoder1 { get; }
    [Dense(784, Activation.Logistic)] public partial Layer Reconstruction { get; }
}

/// <summary>The classifier: the autoencoder's encoder under a softmax head.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 2)]
public partial class DigitClassifier
{
    [Input(784)] public partial Layer Pixels { get; }
    [Dense(256, Activation.ReLU)] public partial Layer Encoder1 { get; }
    [Dense(128, Activation.ReLU)] public partial Layer Encoder2 { get; }
    [Dense(10, Activation.Softmax)] public partial Layer Digit { get; }
}

/// <summary>
/// Unsupervised pre-training then fine-tuning (the course's unsupervised-learning chapter): of the bundled 8,000 training
/// images only the first 500 keep their labels. An autoencoder learns from the other 7,500 without labels; its encoder's
/// tensors are copied by name into a classifier, which trains its head on the 500 with the encoder frozen, then all of it
/// (unfrozen, a smaller rate). The same classifier trained from scratch on the 500 for as many epochs is the baseline.
/// </summary>
public static class Pretraining
{
    public const int Labelled = 500, AutoencoderEpochs = 10, HeadEpochs = 20, FineTuneEpochs = 20, BatchSize = 32;

    public sealed record Result(double Scratch, double Pretrained, double HeadOnly, double ReconstructionLoss, bool EncoderUnchangedWhileFrozen);

    public static Result Run(ClassificationData train, ClassificationData test, Action<string>? log = null)
    {
        int[] labelledIndices = Enumerable.Range(0, Labelled).ToArray();
        int[] unlabelledIndices = Enumerable.Range(Labelled, train.Count - Labelled).ToArray();
        var labelled = train.Subset(labelledIndices);
        float[] unlabelled = train.Subset(unlabelledIndices).Features;

        // 1. The autoencoder on the unlabelled images (targets = inputs).
        using var autoencoder = new DigitAutoencoder { Optimizer = new Adam(1e-3f) };
        var clock = Stopwatch.StartNew();
        var history = autoencoder.Fit(unlabelled, unlabelled, new FitOptions { Epochs = AutoencoderEpochs, BatchSize = 64, Seed = 1 });
        double reconstruction = history.Epochs[^1].TrainingLoss;
        log?.Invoke($"autoencoder on {unlabelledIndices.Length} unlabelled images: reconstruction BCE {history.Epochs[0].TrainingLoss:F4} → {reconstruction:F4} in {clock.Elapsed.TotalSeconds:F1} s");

        // 2. Pre-trained: the encoder by name, frozen while the head learns, then everything at a smaller rate.
        using var pretrained = new DigitClassifier { Optimizer = new Adam(1e-3f) };
        var copied = pretrained.CopyMatchingTensors(autoencoder);
        log?.Invoke($"copied from the autoencoder: {string.Join(", ", copied)}");
        pretrained.Encoder1.Trainable = false;
        pretrained.Encoder2.Trainable = false;
        float[] encoderBefore = pretrained.Encoder1.Weight.ToArray();
        pretrained.Fit(labelled, new FitOptions { Epochs = HeadEpochs, BatchSize = BatchSize, Seed = 2 });
        bool unchanged = encoderBefore.AsSpan().SequenceEqual(pretrained.Encoder1.Weight);
        double headOnly = Trainer.Evaluate(pretrained, test).Accuracy;
        log?.Invoke($"head only (encoder frozen): {headOnly:P2} on the {test.Count} test images; encoder unchanged: {unchanged}");
        pretrained.Trainable = true;
        pretrained.Optimizer = new Adam(5e-4f);
        pretrained.Fit(labelled, new FitOptions { Epochs = FineTuneEpochs, BatchSize = BatchSize, Seed = 3 });
        double fineTuned = Trainer.Evaluate(pretrained, test).Accuracy;

        // 3. From scratch, the same epochs in all.
        using var scratch = new DigitClassifier { Optimizer = new Adam(1e-3f) };
        scratch.Fit(labelled, new FitOptions { Epochs = HeadEpochs + FineTuneEpochs, BatchSize = BatchSize, Seed = 2 });
        double fromScratch = Trainer.Evaluate(scratch, test).Accuracy;
        return new Result(fromScratch, fineTuned, headOnly, reconstruction, unchanged);
    }
}

public static class Program
{
    public static int Main(string[] args)
    {
        string directory = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "data", "mnist");
        var (train, test) = Mnist.LoadDirectory(directory);
        Console.WriteLine($"MNIST subset: {train.Count} training images, {Pretraining.Labelled} of them labelled; {test.Count} test images.");
        var result = Pretraining.Run(train, test, Console.WriteLine);
        Console.WriteLine($"trained from scratch on the {Pretraining.Labelled} labelled images: {result.Scratch:P2} test accuracy");
        Console.WriteLine($"pre-trained encoder, then fine-tuned:            {result.Pretrained:P2} test accuracy");
        return 0;
    }
}
