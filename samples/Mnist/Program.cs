using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Compiled.Nets;
using Compiled.Nets.Data;
using Compiled.Nets.IO;
using Compiled.Nets.Optimizers;
using Compiled.Nets.Training;
using Spectre.Console;

namespace Compiled.Nets.Samples.Mnist;

/// <summary>
/// The 784-128-64-10 MLP of the benchmarks, with what the course teaches against overfitting a small
/// training set: He initialisation for the ReLU layers, dropout, L2 weight decay.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 1, L2 = 1e-4f)]
public partial class MnistMlp
{
    [Input(784)] public partial Layer Image { get; }
    [Dense(128, Activation.ReLU, Initialization = Initialization.HeUniform)] public partial Layer Hidden1 { get; }
    [Dropout(0.2f)] public partial Layer Drop1 { get; }
    [Dense(64, Activation.ReLU, Initialization = Initialization.HeUniform)] public partial Layer Hidden2 { get; }
    [Dropout(0.1f)] public partial Layer Drop2 { get; }
    [Dense(10, Activation.Softmax)] public partial Layer Digit { get; }
}

/// <summary>
/// LeNet-5 as in the course's table: 5×5 convolution to 6 maps (padding 2), 2×2 pooling, 5×5 convolution to 16 maps,
/// 2×2 pooling, then 120, 84 and 10 units. ReLU and max pooling, the modern reading of the original's scaled tanh and
/// subsampling; the Dense layer after the second pooling flattens its 16×5×5 maps implicitly.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 1, Initialization = Initialization.HeUniform)]
public partial class LeNet5
{
    [Input(1, 28, 28)] public partial Layer Image { get; }
    [Conv2D(6, 5, Activation.ReLU, PaddingSize = 2)] public partial Layer C1 { get; }
    [MaxPool(2)] public partial Layer S2 { get; }
    [Conv2D(16, 5, Activation.ReLU)] public partial Layer C3 { get; }
    [MaxPool(2)] public partial Layer S4 { get; }
    [Dense(120, Activation.ReLU)] public partial Layer F5 { get; }
    [Dense(84, Activation.ReLU)] public partial Layer F6 { get; }
    [Dense(10, Activation.Softmax, Initialization = Initialization.GlorotUniform)] public partial Layer Digit { get; }
}

public static class Program
{
    public static int Main(string[] args)
    {
        if (Compiled.Nets.Cuda.KernelDump.TryDump(args, new MnistMlp(), new LeNet5()))
            return 0;
        var options = CommandLine.Parse(args);
        if (options is null) return 2;
        var total = Stopwatch.StartNew();

        // A file or a pipe (or TERM=dumb) gets plain lines: Spectre would leave escape codes in them and wrap them at 80 columns.
        var console = new SampleConsole(ConsoleOutput.IsPlain, ConsoleOutput.UseColor);
        string dataDirectory = options.DataDirectory ?? Path.Combine(AppContext.BaseDirectory, "data", "mnist");
        var (train, validation) = Compiled.Nets.Data.Mnist.LoadDirectory(dataDirectory);
        console.MarkupLine($"MNIST from [blue]{Markup.Escape(dataDirectory)}[/]: {train.Count:N0} training and {validation.Count:N0} validation images (MNIST's test file)");

        bool lenet = options.Model == "lenet";
        int epochs = options.Epochs ?? 20;
        using ITrainableNetwork net = lenet ? new LeNet5(options.Seed) : new MnistMlp(options.Seed);
        string title = lenet ? "LeNet-5" : "MLP 784-128-64-10";
        string fileStem = lenet ? "mnist-lenet5" : "mnist-mlp";
        net.Optimizer = new Adam(learningRate: 1e-3f);
        try
        {
            console.WriteLine(net.UseDevice(options.Device));
        }
        catch (Compiled.Nets.Cuda.CudaUnavailableException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        console.WriteLine(net.Summary());

        var fit = TrainingOptions(lenet, epochs, options.Seed);
        // The validation split is reported after every epoch; nothing is chosen on it (fixed epochs, no early stopping).
        TrainingHistory history = console.Train(epochs, progress => net.Fit(train, fit, validation, progress));

        var (validationLoss, validationAccuracy) = Trainer.Evaluate(net, validation);
        string accuracy = (100 * validationAccuracy).ToString("F2", CultureInfo.InvariantCulture) + "%";
        console.MarkupLine($"validation accuracy: [bold green]{accuracy}[/] (loss {validationLoss.ToString("F4", CultureInfo.InvariantCulture)}) on {validation.Count:N0} images");

        Directory.CreateDirectory(options.OutputDirectory);
        string weights = Path.Combine(options.OutputDirectory, fileStem + ".safetensors");
        net.Save(weights);
        string plot = Path.Combine(options.OutputDirectory, fileStem + "-training.svg");
        TrainingCurvePlot.WriteSvg(plot, history.Epochs, $"MNIST {title}: validation accuracy {accuracy}");
        console.MarkupLine($"saved weights to [blue]{Markup.Escape(weights)}[/] and the training curve to [blue]{Markup.Escape(plot)}[/]");
        console.MarkupLine($"done in {total.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
        return validationAccuracy >= (lenet ? 0.98 : 0.95) ? 0 : 1;
    }

    /// <summary>
    /// How the main job trains (the tests train with the same): batch 64, a cosine schedule from Adam's 1e-3, and for
    /// LeNet-5 every image shifted by up to 2 pixels — 8,000 images go a long way further (the MLP keeps its dropout instead).
    /// </summary>
    public static FitOptions TrainingOptions(bool lenet, int epochs, int seed) => new()
    {
        Epochs = epochs,
        BatchSize = 64,
        Seed = seed,
        Schedule = new CosineAnnealing(epochs, minRate: 1e-5f),
        Augmentation = lenet ? Augmentation.RandomShift(1, 28, 28, maxShift: 2) : null,
    };
}

/// <summary>
/// The sample's output: Spectre's markup and live progress bar on a terminal; plain lines (markup removed, the epoch lines
/// of <see cref="TrainingProgressWriter"/>) when <see cref="ConsoleOutput.IsPlain"/>.
/// </summary>
internal sealed class SampleConsole
{
    private readonly IAnsiConsole? _ansi; // null: plain

    public SampleConsole(bool plain, bool color)
    {
        if (plain) return;
        _ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            ColorSystem = color ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(Console.Out),
        });
    }

    public void MarkupLine(string markup)
    {
        if (_ansi is null) Console.WriteLine(Markup.Remove(markup));
        else _ansi.MarkupLine(markup);
    }

    public void WriteLine(string text)
    {
        if (_ansi is null) Console.WriteLine(text);
        else _ansi.WriteLine(text);
    }

    /// <summary>Runs <paramref name="fit"/> with a progress reporter: a bar with the running loss, or plain epoch lines.</summary>
    public TrainingHistory Train(int epochs, Func<IProgress<TrainingProgress>, TrainingHistory> fit)
    {
        if (_ansi is null) return fit(new TrainingProgressWriter(Console.Out, plain: true));
        TrainingHistory history = null!;
        _ansi.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("epoch 1", maxValue: epochs);
                history = fit(new ImmediateProgress<TrainingProgress>(p =>
                {
                    task.Value = p.Epoch - 1 + (double)p.Batch / p.Batches;
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F4}");
                    if (p.Completed is { } e) _ansi.WriteLine(TrainingProgressWriter.Describe(e, p.Epochs));
                }));
                task.Value = task.MaxValue;
            });
        return history;
    }
}

/// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
internal sealed class ImmediateProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

internal sealed record CommandLine(int? Epochs, int Seed, string? DataDirectory, string OutputDirectory, Device Device, string Model)
{
    public static CommandLine? Parse(string[] args)
    {
        int? epochs = null;
        int seed = LeNet5.DefaultSeed;
        string model = "lenet";
        string? data = null;
        string output = "mnist-output";
        var device = Device.Cpu;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 0: epochs = n; i++; break;
                case "--model" when i + 1 < args.Length && args[i + 1] is "lenet" or "mlp": model = args[++i]; break;
                case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], out seed): i++; break;
                case "--data" when i + 1 < args.Length: data = args[++i]; break;
                case "--out" when i + 1 < args.Length: output = args[++i]; break;
                case "--dump-kernels" when i + 1 < args.Length: i++; break; // handled before parsing
                case "--device" when i + 1 < args.Length && Enum.TryParse(args[i + 1], ignoreCase: true, out device): i++; break;
                default:
                    Console.Error.WriteLine($"unknown or incomplete argument '{args[i]}'");
                    Console.Error.WriteLine("usage: dotnet run --project samples/Mnist -- [--model lenet|mlp] [--epochs N] [--seed N] [--data DIR with MNIST IDX files] [--out DIR] [--device cpu|cuda|auto] [--dump-kernels DIR]");
                    return null;
            }
        }
        return new CommandLine(epochs, seed, data, output, device, model);
    }
}
