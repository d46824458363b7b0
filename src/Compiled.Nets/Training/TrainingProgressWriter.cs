using System;
using System.Globalization;
using System.IO;

namespace Compiled.Nets.Training;

/// <summary>
/// Writes <c>Fit</c>'s progress as text: one line per finished epoch ("epoch  3/20: training loss 0.1234 | validation
/// loss 0.0987, validation accuracy 97.10% | lr 0.00098, 1.2 s"). On a terminal, a short status line (the epoch, a bar,
/// the running loss) is also rewritten in place with a carriage return while an epoch runs; plain output (a file, a
/// pipe, <c>TERM=dumb</c>) gets the epoch lines alone. It writes no escape codes and never wraps a line.
/// </summary>
public sealed class TrainingProgressWriter : IProgress<TrainingProgress>
{
    private const int BarWidth = 20;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private readonly TextWriter _writer;
    private readonly bool _plain;
    private int _statusLength; // characters of the status line now shown, to blank it out before the next line

    /// <summary>A writer of progress lines to <paramref name="writer"/>.</summary>
    /// <param name="writer">Where the lines go.</param>
    /// <param name="plain">Epoch lines only, no status line rewritten in place (see <see cref="ConsoleOutput.IsPlain"/>).</param>
    public TrainingProgressWriter(TextWriter writer, bool plain)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        _plain = plain;
    }

    /// <summary>A writer to standard output, plain when <see cref="ConsoleOutput.IsPlain"/> says so.</summary>
    public static TrainingProgressWriter ForConsole() => new(Console.Out, ConsoleOutput.IsPlain);

    /// <summary>Writes one epoch line when an epoch completes and, unless plain, rewrites the status line within the epoch.</summary>
    public void Report(TrainingProgress value)
    {
        if (value.Completed is { } epoch)
        {
            ClearStatus();
            _writer.WriteLine(Describe(epoch, value.Epochs));
        }
        else if (!_plain)
        {
            string status = Status(value);
            _writer.Write('\r' + status.PadRight(_statusLength));
            _statusLength = status.Length;
        }
        _writer.Flush();
    }

    /// <summary>
    /// The line for a finished epoch, the one a <see cref="TrainingProgressWriter"/> writes; samples that draw their own
    /// progress bar print it too, so every sample names the figures alike. Figures a run lacks (no validation data, no
    /// accuracy for regression) are left out rather than printed as NaN.
    /// </summary>
    public static string Describe(EpochResult epoch, int epochs)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        int width = Math.Max(1, epochs).ToString(Invariant).Length;
        string line = string.Create(Invariant, $"epoch {epoch.Epoch.ToString(Invariant).PadLeft(width)}/{epochs}: training loss {epoch.TrainingLoss:F4}");
        if (float.IsFinite(epoch.ValidationLoss))
            line += string.Create(Invariant, $" | validation loss {epoch.ValidationLoss:F4}");
        if (double.IsFinite(epoch.ValidationAccuracy))
            line += string.Create(Invariant, $", validation accuracy {100 * epoch.ValidationAccuracy:F2}%");
        return line + string.Create(Invariant, $" | lr {epoch.LearningRate:G3}, {epoch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>"epoch 3/20 [#########...........]  45% loss 0.1234": short, so that a carriage return can rewrite it on any terminal.</summary>
    private static string Status(TrainingProgress p)
    {
        double done = p.Batches > 0 ? Math.Clamp((double)p.Batch / p.Batches, 0, 1) : 0;
        int filled = (int)Math.Round(done * BarWidth);
        return string.Create(Invariant, $"epoch {p.Epoch}/{p.Epochs} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {100 * done,3:F0}% loss {p.Loss:F4}");
    }

    private void ClearStatus()
    {
        if (_statusLength == 0) return;
        _writer.Write('\r' + new string(' ', _statusLength) + '\r');
        _statusLength = 0;
    }
}
