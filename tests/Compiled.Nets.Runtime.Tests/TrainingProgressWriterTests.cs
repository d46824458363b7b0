using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Compiled.Nets.Training;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

public sealed class TrainingProgressWriterTests
{
    /// <summary>What Fit reports for <paramref name="epochs"/> epochs of 10 batches: a report every other batch, then the epoch's end.</summary>
    private static IEnumerable<TrainingProgress> Reports(int epochs, bool withValidation = true)
    {
        for (int e = 1; e <= epochs; e++)
        {
            for (int b = 2; b < 10; b += 2) yield return new TrainingProgress(e, epochs, b, 10, 1f / e + 0.01f * b, null);
            var result = new EpochResult(e, 1f / e, withValidation ? 1.1f / e : float.NaN, withValidation ? 0.95 + 0.001 * e : double.NaN,
                3.42e-5f, TimeSpan.FromSeconds(1.25));
            yield return new TrainingProgress(e, epochs, 10, 10, result.TrainingLoss, result);
        }
    }

    private static string Write(bool plain, IEnumerable<TrainingProgress> reports)
    {
        var text = new StringWriter();
        var writer = new TrainingProgressWriter(text, plain);
        foreach (var report in reports) writer.Report(report);
        return text.ToString();
    }

    [Fact]
    public void Plain_output_is_one_whole_line_per_epoch_without_escape_codes()
    {
        string output = Write(plain: true, Reports(12));
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\r', output.Replace(Environment.NewLine, "\n"));
        var lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, lines.Length); // nothing within an epoch: a log file gets no status lines
        for (int e = 1; e <= 12; e++)
        {
            string line = lines[e - 1];
            // Each line is the whole sentence, from its epoch to its time, however long: no wrap at 80 columns.
            Assert.StartsWith($"epoch {e,2}/12: training loss ", line);
            Assert.Contains(" | validation loss ", line);
            Assert.Contains(", validation accuracy ", line);
            Assert.EndsWith(", 1.2 s", line);
            Assert.True(line.Length > 80, $"a line of {line.Length} characters stays whole");
        }
        Assert.Equal("epoch  3/12: training loss 0.3333 | validation loss 0.3667, validation accuracy 95.30% | lr 3.42E-05, 1.2 s", lines[2]);
    }

    [Fact]
    public void On_a_terminal_the_status_line_is_rewritten_with_carriage_returns_only()
    {
        string output = Write(plain: false, Reports(3));
        Assert.DoesNotContain('\u001b', output);
        Assert.Contains("epoch 2/3 [########............]  40% loss", output);
        // What a terminal shows of each line is what follows its last carriage return: the epoch line, whole.
        var shown = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Select(l => l[(l.LastIndexOf('\r') + 1)..]).ToList();
        Assert.Equal(3, shown.Count);
        for (int e = 1; e <= 3; e++)
            Assert.Equal(TrainingProgressWriter.Describe(Reports(3).Where(r => r.Completed is not null).ElementAt(e - 1).Completed!, 3), shown[e - 1]);
        // A status line is blanked out before the epoch line, so no tail of it is left after a shorter line.
        Assert.Contains("\r" + new string(' ', "epoch 1/3 [################....]  80% loss 1.0800".Length) + "\r", output);
    }

    [Fact]
    public void Figures_a_run_lacks_are_left_out_rather_than_printed_as_NaN()
    {
        var none = new EpochResult(7, 0.125f, float.NaN, double.NaN, 0.001f, TimeSpan.FromSeconds(2));
        Assert.Equal("epoch  7/10: training loss 0.1250 | lr 0.001, 2.0 s", TrainingProgressWriter.Describe(none, 10));
        var regression = none with { ValidationLoss = 0.25f };
        Assert.Equal("epoch  7/10: training loss 0.1250 | validation loss 0.2500 | lr 0.001, 2.0 s", TrainingProgressWriter.Describe(regression, 10));
        string lines = Write(plain: true, Reports(2, withValidation: false));
        Assert.DoesNotContain("NaN", lines);
        Assert.DoesNotContain("validation", lines);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentNullException>(() => new TrainingProgressWriter(null!, plain: true));
        Assert.Throws<ArgumentNullException>(() => TrainingProgressWriter.Describe(null!, 1));
    }

    [Theory]
    [InlineData(true, null, null, true, false)]       // a file or a pipe
    [InlineData(false, "dumb", null, true, false)]    // TERM=dumb
    [InlineData(false, "xterm-256color", "1", false, false)] // NO_COLOR: no colour, the status line stays
    [InlineData(false, "xterm-256color", "", false, true)]   // NO_COLOR set but empty counts as unset (no-color.org)
    [InlineData(false, null, null, false, true)]
    public void Plain_and_colour_follow_redirection_TERM_and_NO_COLOR(bool redirected, string? term, string? noColor, bool plain, bool color)
    {
        string? Environment(string name) => name switch { "TERM" => term, "NO_COLOR" => noColor, _ => null };
        Assert.Equal(plain, ConsoleOutput.IsPlainFor(redirected, Environment));
        Assert.Equal(color, ConsoleOutput.UseColorFor(redirected, Environment));
    }
}
