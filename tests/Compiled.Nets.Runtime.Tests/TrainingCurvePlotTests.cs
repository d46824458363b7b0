using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Compiled.Nets.Training;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

public sealed class TrainingCurvePlotTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static List<EpochResult> History(int epochs, bool withValidation)
    {
        var history = new List<EpochResult>();
        for (int e = 1; e <= epochs; e++)
        {
            float train = 2.3f / e + 0.05f;
            float validation = withValidation ? 2.4f / e + 0.1f : float.NaN;
            double accuracy = withValidation ? 0.6 + 0.3 * (1 - 1.0 / e) : double.NaN;
            history.Add(new EpochResult(e, train, validation, accuracy, 0.01f, TimeSpan.FromSeconds(e)));
        }
        return history;
    }

    private XDocument WriteAndParse(IReadOnlyList<EpochResult> history, string title)
    {
        string path = _dir.File("curve.svg");
        TrainingCurvePlot.WriteSvg(path, history, title);
        string text = File.ReadAllText(path);
        Assert.DoesNotContain("NaN", text);
        Assert.DoesNotContain("script", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@font-face", text);
        Assert.DoesNotContain("href", text);
        return XDocument.Parse(text);
    }

    private static XElement Panel(XDocument svg, string id) =>
        svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("id") == id);

    [Fact]
    public void A_twelve_epoch_history_draws_both_panels()
    {
        var history = History(12, withValidation: true);
        history[3] = history[3] with { ValidationLoss = float.NaN, ValidationAccuracy = double.NaN }; // a gap is skipped
        var svg = WriteAndParse(history, "MNIST <MLP> & friends");

        Assert.Equal(Svg + "svg", svg.Root!.Name);
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "MNIST <MLP> & friends");

        var loss = Panel(svg, "loss-panel").Descendants(Svg + "polyline").ToList();
        Assert.Equal(2, loss.Count);
        Assert.Equal(12, SvgAssert.Points(loss[0]).Count);
        Assert.Equal(11, SvgAssert.Points(loss[1]).Count);
        Assert.Single(Panel(svg, "accuracy-panel").Descendants(Svg + "polyline"));

        var texts = svg.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("epoch", texts);
        Assert.Contains("loss", texts);
        Assert.Contains("accuracy (%)", texts);
        Assert.Contains("training loss", texts);
        Assert.Contains("validation loss", texts);
        Assert.Contains("100%", texts);

        // The loss axis starts at 0: its tick labels are the right-aligned texts of the loss panel.
        var lossTicks = Panel(svg, "loss-panel").Elements(Svg + "text")
            .Where(t => (string?)t.Attribute("text-anchor") == "end")
            .Select(t => double.Parse(t.Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(0, lossTicks[0]);
        Assert.True(lossTicks[^1] >= history.Max(h => h.TrainingLoss), "the top tick is at or above the largest loss");
    }

    [Fact]
    public void Without_validation_only_the_training_line_is_drawn_and_no_accuracy_panel()
    {
        var svg = WriteAndParse(History(5, withValidation: false), "no validation");
        Assert.Single(Panel(svg, "loss-panel").Descendants(Svg + "polyline"));
        Assert.DoesNotContain(svg.Descendants(Svg + "g"), g => (string?)g.Attribute("id") == "accuracy-panel");
    }

    /// <summary>The main job's run (LeNet-5, seed 1, 20 epochs, as the sample printed it): accuracy converges near the top.</summary>
    private static List<EpochResult> MainJob()
    {
        (float Train, float Validation, double Accuracy)[] epochs =
        [
            (0.9481f, 0.2851f, 0.9115), (0.3303f, 0.1455f, 0.9560), (0.2132f, 0.1121f, 0.9675), (0.1765f, 0.1338f, 0.9590),
            (0.1520f, 0.1495f, 0.9520), (0.1286f, 0.0972f, 0.9715), (0.1112f, 0.0713f, 0.9800), (0.0942f, 0.0593f, 0.9815),
            (0.0961f, 0.0706f, 0.9800), (0.0862f, 0.0752f, 0.9785), (0.0757f, 0.0600f, 0.9840), (0.0660f, 0.0565f, 0.9855),
            (0.0610f, 0.0611f, 0.9845), (0.0608f, 0.0493f, 0.9865), (0.0547f, 0.0461f, 0.9870), (0.0491f, 0.0464f, 0.9890),
            (0.0500f, 0.0435f, 0.9875), (0.0480f, 0.0440f, 0.9885), (0.0456f, 0.0433f, 0.9885), (0.0462f, 0.0441f, 0.9875),
        ];
        return epochs.Select((e, i) => new EpochResult(i + 1, e.Train, e.Validation, e.Accuracy, 1e-3f, TimeSpan.FromSeconds(1.5))).ToList();
    }

    [Fact]
    public void No_legend_covers_a_line_or_a_point_of_the_main_jobs_history()
    {
        var svg = WriteAndParse(MainJob(), "MNIST LeNet-5");
        foreach (string id in new[] { "loss-panel", "accuracy-panel" })
            SvgAssert.LegendCoversNothing(Panel(svg, id));
    }

    [Fact]
    public void A_legend_that_finds_no_room_inside_goes_below_the_plot_and_the_picture_grows()
    {
        // Zigzags between the extremes every epoch leave no corner, edge or side free in either panel.
        var history = Enumerable.Range(1, 40).Select(e => new EpochResult(e, e % 2 == 0 ? 2f : 0.01f, e % 2 == 0 ? 0.01f : 2f,
            e % 2 == 0 ? 0.0 : 1.0, 1e-3f, TimeSpan.Zero)).ToList();
        var svg = WriteAndParse(history, "zigzag");
        double height = double.Parse((string)svg.Root!.Attribute("height")!, CultureInfo.InvariantCulture);
        Assert.True(height > 440, $"the picture grows to take the legends below the plots (height {height})");
        foreach (string id in new[] { "loss-panel", "accuracy-panel" })
        {
            var panel = Panel(svg, id);
            var legend = SvgAssert.LegendBox(panel);
            Assert.True(legend.Top > SvgAssert.PolylinePoints(panel).Max(p => p.Y), $"{id}: the legend is below every line");
            Assert.True(legend.Bottom <= height, $"{id}: the legend is inside the picture");
            SvgAssert.LegendCoversNothing(panel);
        }
    }

    [Fact]
    public void A_regression_history_gets_the_loss_panel_alone()
    {
        var history = Enumerable.Range(1, 10).Select(e => new EpochResult(e, 1f / e, 1.2f / e, double.NaN, 1e-3f, TimeSpan.Zero)).ToList();
        var svg = WriteAndParse(history, "regression");
        Assert.DoesNotContain(svg.Descendants(Svg + "g"), g => (string?)g.Attribute("id") == "accuracy-panel");
        Assert.Equal(2, Panel(svg, "loss-panel").Descendants(Svg + "polyline").Count());
        var texts = svg.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.DoesNotContain(texts, t => t.Contains("accuracy", StringComparison.Ordinal) || t == "no data");
        // The loss panel takes the picture's width rather than leaving half of it blank.
        double width = double.Parse((string)svg.Root!.Attribute("width")!, CultureInfo.InvariantCulture);
        Assert.True(SvgAssert.PolylinePoints(Panel(svg, "loss-panel")).Max(p => p.X) > width * 0.9, "the loss lines reach across the picture");
        SvgAssert.LegendCoversNothing(Panel(svg, "loss-panel"));
    }

    [Fact]
    public void A_logarithmic_loss_axis_is_ticked_at_powers_of_ten_and_places_losses_by_their_logarithm()
    {
        // A regression loss falling from 1 to 0.001 over 10 epochs: three decades.
        var history = Enumerable.Range(1, 10).Select(e => new EpochResult(e, (float)Math.Pow(10, -3.0 * (e - 1) / 9), float.NaN,
            double.NaN, 1e-3f, TimeSpan.Zero)).ToList();
        string path = _dir.File("log.svg");
        TrainingCurvePlot.WriteSvg(path, history, "log", new TrainingCurvePlotOptions { LogarithmicLoss = true });
        var panel = Panel(XDocument.Load(path), "loss-panel");
        var ticks = panel.Elements(Svg + "text").Where(t => (string?)t.Attribute("text-anchor") == "end")
            .ToDictionary(t => t.Value, t => double.Parse((string)t.Attribute("y")!, CultureInfo.InvariantCulture) - 4);
        Assert.Equal(new[] { "0.001", "0.01", "0.1", "1" }, ticks.Keys);
        double decade = ticks["0.001"] - ticks["0.01"];
        Assert.True(decade > 50, "a decade is a good part of the plot's height");
        Assert.Equal(decade, ticks["0.01"] - ticks["0.1"], 0.05);
        Assert.Equal(decade, ticks["0.1"] - ticks["1"], 0.05);
        // Epoch 4's loss is 0.1: on the "0.1" tick, and halfway (in logarithm) from 1 at epoch 1 to 0.01 at epoch 7.
        var points = SvgAssert.Points(panel.Descendants(Svg + "polyline").Single());
        Assert.Equal(ticks["1"], points[0].Y, 0.05);
        Assert.Equal(ticks["0.1"], points[3].Y, 0.05);
        Assert.Equal(ticks["0.01"], points[6].Y, 0.05);
        Assert.Equal(ticks["0.001"], points[9].Y, 0.05);
        Assert.DoesNotContain(panel.Elements(Svg + "text"), t => t.Value == "0"); // no zero on a logarithmic axis

        // The same history on the default linear axis starts at 0.
        var linear = XDocument.Parse(TrainingCurvePlot.ToSvg(history, "linear"));
        Assert.Contains(Panel(linear, "loss-panel").Elements(Svg + "text"), t => t.Value == "0.0");
    }

    [Fact]
    public void Within_two_decades_the_logarithmic_axis_ticks_at_two_and_five_times_too()
    {
        var history = Enumerable.Range(1, 5).Select(e => new EpochResult(e, 0.9f - 0.15f * e, 0.8f - 0.1f * e, 0.9, 1e-3f, TimeSpan.Zero)).ToList();
        var panel = Panel(XDocument.Parse(TrainingCurvePlot.ToSvg(history, "one decade", new TrainingCurvePlotOptions { LogarithmicLoss = true })), "loss-panel");
        var labels = panel.Elements(Svg + "text").Where(t => (string?)t.Attribute("text-anchor") == "end").Select(t => t.Value).ToList();
        Assert.Equal(new[] { "0.1", "0.2", "0.5", "1" }, labels);
    }

    [Fact]
    public void A_logarithmic_axis_refuses_a_loss_of_zero_before_writing_anything()
    {
        var history = History(5, withValidation: true);
        history[2] = history[2] with { ValidationLoss = 0f };
        string path = _dir.File("zero.svg");
        var e = Assert.Throws<ArgumentException>(() => TrainingCurvePlot.WriteSvg(path, history, "zero", new TrainingCurvePlotOptions { LogarithmicLoss = true }));
        Assert.Equal("history", e.ParamName);
        Assert.Contains("Epoch 3's validation loss is 0", e.Message);
        Assert.False(File.Exists(path));
        TrainingCurvePlot.WriteSvg(path, history, "zero"); // a linear axis draws it
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void The_epoch_lines_name_the_figures_as_the_plot_does()
    {
        var history = MainJob();
        var legend = XDocument.Parse(TrainingCurvePlot.ToSvg(history, "names")).Descendants(Svg + "g")
            .Where(g => (string?)g.Attribute("class") == "legend").SelectMany(g => g.Elements(Svg + "text")).Select(t => t.Value).ToList();
        Assert.Equal(new[] { "training loss", "validation loss", "validation accuracy" }, legend);
        string line = TrainingProgressWriter.Describe(history[^1], 20);
        foreach (string label in legend) Assert.Contains(label, line);
        Assert.DoesNotContain("test", line);
    }

    [Fact]
    public void Numbers_use_the_invariant_culture_and_stay_inside_the_picture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE"); // decimal comma
            var svg = WriteAndParse(History(12, withValidation: true), "culture");
            double width = double.Parse((string)svg.Root!.Attribute("width")!, CultureInfo.InvariantCulture);
            double height = double.Parse((string)svg.Root!.Attribute("height")!, CultureInfo.InvariantCulture);
            foreach (var line in svg.Descendants(Svg + "polyline"))
                foreach (var (x, y) in SvgAssert.Points(line))
                {
                    Assert.InRange(x, 0, width);
                    Assert.InRange(y, 0, height);
                }
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void A_single_epoch_and_an_empty_history_still_make_valid_svg()
    {
        var one = WriteAndParse(History(1, withValidation: true), "one");
        Assert.Equal(2, Panel(one, "loss-panel").Descendants(Svg + "polyline").Count());
        var none = WriteAndParse(new List<EpochResult>(), "none");
        Assert.Empty(none.Descendants(Svg + "polyline"));
    }
}
