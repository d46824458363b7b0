using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Compiled.Nets;
using Compiled.Nets.Data;
using Compiled.Nets.IO;
using Compiled.Nets.Optimizers;
using Compiled.Nets.Training;

namespace Compiled.Nets.Samples.Vae;

/// <summary>
/// PyTorch's VAE example (examples/vae): 784 → 400 ReLU → μ, log σ² (20 each) → z → 400 ReLU → 784 logistic, the summed
/// binary cross-entropy of each image plus the KL term, per sample.
/// </summary>
[Network(Loss = Loss.BinaryCrossEntropy, Reduction = LossReduction.SumPerSample, Seed = 1)]
public partial class MnistVae
{
    [Input(784)] public partial Layer Pixels { get; }
    [Dense(400, Activation.ReLU)] public partial Layer Hidden { get; }
    [Dense(20)] public partial Layer Mu { get; }
    [Dense(20, Input = nameof(Hidden))] public partial Layer LogVar { get; }
    [Reparameterize(nameof(Mu), nameof(LogVar))] public partial Layer Z { get; }
    [Dense(400, Activation.ReLU)] public partial Layer Up { get; }
    [Dense(784, Activation.Logistic)] public partial Layer Reconstruction { get; }
}

public static class Program
{
    public const int Epochs = 10, BatchSize = 128;

    public static int Main(string[] args)
    {
        string data = args.Length > 0 && !args[0].StartsWith("--") ? args[0] : Path.Combine(AppContext.BaseDirectory, "data", "mnist");
        bool pytorch = !args.Contains("--no-pytorch");
        var (train, test) = Mnist.LoadDirectory(data);
        Console.WriteLine($"VAE on the MNIST subset: {train.Count} training images, {test.Count} test images; {Epochs} epochs, batch {BatchSize}, Adam 1e-3.");

        using var net = new MnistVae { Optimizer = new Adam(1e-3f) };
        string work = Path.Combine(Path.GetTempPath(), "compiled-nets-vae-" + Environment.ProcessId);
        Directory.CreateDirectory(work);
        string init = Path.Combine(work, "init.safetensors"), order = Path.Combine(work, "order.bin");
        net.Save(init); // PyTorch starts from the same weights
        WriteBatchOrder(order, train.Count, Epochs, seed: 1);

        var clock = Stopwatch.StartNew();
        var history = net.Fit(train.Features, train.Features, new FitOptions { Epochs = Epochs, BatchSize = BatchSize, Seed = 1 },
            progress: new Progress(e => Console.WriteLine($"epoch {e.Epoch}: train loss {e.TrainingLoss:F4} per sample")));
        double seconds = clock.Elapsed.TotalSeconds;
        // As PyTorch's test(): z sampled (training-mode forward), the loss per sample over the whole test set.
        float testLoss = net.EvaluateLoss(test.Features, test.Features, test.Count, training: true);
        Console.WriteLine($"Compiled.Nets: test loss {testLoss:F3} per sample after {history.Epochs.Count} epochs, {seconds:F1} s of training");

        if (pytorch)
        {
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "pytorch_vae.py"), "--data", data, "--init", init, "--order", order,
                         "--epochs", Epochs.ToString(CultureInfo.InvariantCulture), "--batch", BatchSize.ToString(CultureInfo.InvariantCulture) })
                start.ArgumentList.Add(a);
            try
            {
                using var process = Process.Start(start)!;
                string output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                string? result = output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
                if (process.ExitCode == 0 && result is not null)
                {
                    var fields = result[7..].Split(' ').Select(f => f.Split('=')).ToDictionary(f => f[0], f => double.Parse(f[1], CultureInfo.InvariantCulture));
                    double theirs = fields["test_loss"];
                    Console.WriteLine($"PyTorch {TorchVersion()}: test loss {theirs:F3} per sample, {fields["seconds"]:F1} s of training (1 thread)");
                    Console.WriteLine($"difference: {100 * (testLoss - theirs) / theirs:+0.00;-0.00}% of PyTorch's");
                }
                else Console.WriteLine("PyTorch run failed:\n" + output);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                Console.WriteLine($"PyTorch not run: {e.Message}");
            }
        }

        // Samples from the prior N(0, 1), decoded: ForwardFrom the sampling layer.
        var random = new SeededRandom(2);
        float[] prior = Enumerable.Range(0, 64 * 20).Select(_ => random.NextGaussian()).ToArray();
        var digits = new float[64 * 784];
        net.ForwardFrom(net.Z, prior, digits);
        Console.WriteLine($"64 digits decoded from the prior: mean pixel {digits.Average():F3}");
        PngImage.WriteGrid("vae-prior-samples.png", digits, 64, 28, 28, columns: 8);

        // Reconstructions of the first 32 test images (z = μ at inference): originals and reconstructions in alternate rows.
        var reconstructed = new float[32 * 784];
        net.Predict(test.Features.AsSpan(0, 32 * 784), reconstructed);
        var pairs = new float[64 * 784];
        for (int row = 0; row < 4; row++)
        {
            test.Features.AsSpan(row * 8 * 784, 8 * 784).CopyTo(pairs.AsSpan(2 * row * 8 * 784));
            reconstructed.AsSpan(row * 8 * 784, 8 * 784).CopyTo(pairs.AsSpan((2 * row + 1) * 8 * 784));
        }
        PngImage.WriteGrid("vae-reconstructions.png", pairs, 64, 28, 28, columns: 8);
        Console.WriteLine("pictures: vae-prior-samples.png (decoded from the prior), vae-reconstructions.png (test images above their reconstructions)");
        net.Save("vae.safetensors");
        Console.WriteLine("weights saved to vae.safetensors");
        Directory.Delete(work, recursive: true);
        return 0;
    }

    private static string TorchVersion() => "1.13";

    /// <summary>The Trainer's batch order: one in-place shuffle per epoch of one index array, from SeededRandom(seed).</summary>
    private static void WriteBatchOrder(string path, int count, int epochs, int seed)
    {
        var random = new SeededRandom(seed);
        var order = Enumerable.Range(0, count).ToArray();
        using var writer = new BinaryWriter(File.Create(path));
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            random.Shuffle<int>(order);
            foreach (int index in order) writer.Write(index);
        }
    }

    private sealed class Progress(Action<EpochResult> onEpoch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Completed is { } epoch) onEpoch(epoch);
        }
    }
}
