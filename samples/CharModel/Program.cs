using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Compiled.Nets;
using Compiled.Nets.Data;
using Compiled.Nets.Optimizers;
using Compiled.Nets.Training;

namespace Compiled.Nets.Samples.CharModel;

/// <summary>
/// A character-level language model: each of 64 characters (token ids) is embedded, a stateful LSTM reads them, and a
/// softmax at every step predicts the next character. Trained with truncated backpropagation through time: the text is
/// cut into 16 streams, and each batch's chunk of 64 characters continues the state of the chunk before.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 1)]
public partial class CharLstm
{
    [TokenInput(CharText.Steps)] public partial Layer Text { get; }
    [Embedding(CharText.Vocabulary, 32)] public partial Layer Embed { get; }
    [Lstm(128, ReturnSequences = true, Stateful = true)] public partial Layer State { get; }
    [Dense(CharText.Vocabulary, Activation.Softmax)] public partial Layer Next { get; }
}

/// <summary>The corpus and its characters: newline is token 0, printable ASCII 32–126 tokens 1–95.</summary>
public static class CharText
{
    public const int Steps = 64, Vocabulary = 96, Streams = 16;

    public static int Token(char c) => c == '\n' ? 0 : c >= ' ' && c <= '~' ? c - ' ' + 1 : '?' - ' ' + 1;

    public static char Character(int token) => token == 0 ? '\n' : (char)(' ' + token - 1);

    /// <summary>The bundled English text (the GPL, versions 3 and 2, from Debian's base-files: samples/data/text/README.md).</summary>
    public static string Load(string directory) =>
        File.ReadAllText(Path.Combine(directory, "GPL-3.txt")) + File.ReadAllText(Path.Combine(directory, "GPL-2.txt"));

    /// <summary>The first 90% to train on, the rest held out, as token ids.</summary>
    public static (int[] Train, int[] HeldOut) Split(string text)
    {
        int[] tokens = text.Select(Token).ToArray();
        int cut = tokens.Length * 9 / 10;
        return (tokens[..cut], tokens[cut..]);
    }
}

public static class Program
{
    public sealed record Result(float HeldOutNatsPerChar, float UnigramNats, TimeSpan Time, string Sample, TrainingHistory History);

    /// <summary>Trains the model for <paramref name="epochs"/> with Adam and returns the held-out loss in nats per character and a generated sample.</summary>
    public static Result Train(string directory, int epochs, Action<EpochResult>? onEpoch = null, int sampleLength = 400)
    {
        var (train, heldOut) = CharText.Split(CharText.Load(directory));
        var (trainInputs, trainTargets, _) = TokenStreams.ForTruncatedBptt(train, CharText.Vocabulary, CharText.Streams, CharText.Steps);
        var (heldInputs, heldTargets, _) = TokenStreams.ForTruncatedBptt(heldOut, CharText.Vocabulary, CharText.Streams, CharText.Steps);
        var net = new CharLstm();
        net.Optimizer = new Adam(0.003f);
        net.MaxGradientNorm = 5f;
        var clock = Stopwatch.StartNew();
        var progress = onEpoch is null ? null : new Progress(onEpoch);
        var history = net.Fit(trainInputs, trainTargets, new FitOptions { Epochs = epochs, BatchSize = CharText.Streams, Stateful = true },
            (heldInputs, heldTargets), progress);
        clock.Stop();

        // The unigram baseline: the held-out entropy of the training set's character frequencies.
        var counts = new double[CharText.Vocabulary];
        foreach (int t in train) counts[t]++;
        double unigram = heldOut.Average(t => -Math.Log(Math.Max(counts[t], 0.5) / train.Length));

        string prompt = "The licenses for most software";
        var generated = new float[sampleLength];
        net.Generate(prompt.Select(c => (float)CharText.Token(c)).ToArray(), generated, temperature: 0.7f, new SeededRandom(3));
        var text = new StringBuilder(prompt);
        foreach (float t in generated) text.Append(CharText.Character((int)t));
        return new Result(history.Last.ValidationLoss, (float)unigram, clock.Elapsed, text.ToString(), history);
    }

    private sealed class Progress(Action<EpochResult> onEpoch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) { if (value.Completed is { } epoch) onEpoch(epoch); }
    }

    public static int Main(string[] args)
    {
        int epochs = args.Length > 0 && int.TryParse(args[0], out int e) ? e : 10;
        string directory = Path.Combine(AppContext.BaseDirectory, "data");
        Console.WriteLine($"Character model: TokenInput({CharText.Steps}) → Embedding({CharText.Vocabulary}, 32) → Lstm(128, stateful) → softmax per step; " +
                          $"{CharText.Streams} streams, truncated BPTT over {CharText.Steps} steps, Adam 0.003, {epochs} epochs");
        var result = Train(directory, epochs, epoch =>
            Console.WriteLine($"epoch {epoch.Epoch,2}: train {epoch.TrainingLoss:F3} nats/char | held-out {epoch.ValidationLoss:F3} | {epoch.Elapsed.TotalSeconds:F1} s"));
        Console.WriteLine($"held-out loss: {result.HeldOutNatsPerChar:F3} nats per character (unigram baseline {result.UnigramNats:F3}); trained in {result.Time.TotalSeconds:F1} s");

        string script = Path.Combine(AppContext.BaseDirectory, "pytorch_char_model.py");
        if (File.Exists("/usr/bin/python3") && File.Exists(script))
        {
            var start = new ProcessStartInfo("/usr/bin/python3", $"\"{script}\" \"{directory}\" {epochs}") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            string stdout = process.StandardOutput.ReadToEnd();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode == 0) Console.Write("PyTorch, same model, data and steps: " + stdout);
            else Console.WriteLine($"PyTorch comparison skipped: {stderr.Trim().Split('\n').LastOrDefault()}");
        }
        else Console.WriteLine("PyTorch comparison skipped: needs /usr/bin/python3 with torch (Debian python3-torch)");

        Console.WriteLine();
        Console.WriteLine("Generated (temperature 0.7):");
        Console.WriteLine(result.Sample);
        return 0;
    }
}
