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
        Assert.Equal(12, Points(loss[0]).Count);
        Assert.Equal(11, Points(loss[1]).Count);
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
    public void Without_validation_only_the_training_line_is_drawn()
    {
        var svg = WriteAndParse(History(5, withValidation: false), "no validation");
        Assert.Single(Panel(svg, "loss-panel").Descendants(Svg + "polyline"));
        Assert.Empty(Panel(svg, "accuracy-panel").Descendants(Svg + "polyline"));
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
                foreach (var (x, y) in Points(line))
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

    private static List<(double X, double Y)> Points(XElement polyline) =>
        ((string)polyline.Attribute("points")!)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToList();
}
