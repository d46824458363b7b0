using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Compiled.Nets.Plotting;
using static Compiled.Nets.Plotting.SvgChart;

namespace Compiled.Nets.Training;

/// <summary>How <see cref="TrainingCurvePlot"/> draws a history.</summary>
public sealed record TrainingCurvePlotOptions
{
    /// <summary>
    /// Draw the loss on a logarithmic axis, ticked at powers of ten (and at 2 and 5 times them when the losses span two
    /// decades or fewer): a regression loss that falls from 1 to 0.001 stays readable to the end. Every loss drawn must
    /// then be positive.
    /// </summary>
    public bool LogarithmicLoss { get; init; }
}

/// <summary>
/// Draws a training history as a self-contained SVG (no scripts, no external fonts or styles) that any browser opens:
/// loss per epoch (training and validation) on the left, validation accuracy per epoch on the right. A history without
/// accuracy (a regression, or a classifier trained without validation data) gets the loss panel alone. Each legend is
/// placed where it covers no line, inside the plot area when there is room, below it otherwise.
/// </summary>
public static class TrainingCurvePlot
{
    private const double PanelWidth = 500, LossOnlyWidth = 640, BaseHeight = 440;
    // Plot area inside each panel: room on the left for tick labels and the axis title, at the bottom for the epoch axis.
    private const double MarginLeft = 72, MarginRight = 24, MarginTop = 64, MarginBottom = 64;
    private const string TrainingColor = "#1f77b4", ValidationColor = "#ff7f0e";
    // A legend keeps this far from every line: half the 2-pixel stroke, the 2.5-pixel point markers, and a gap.
    private const double LegendClearance = 5;

    private sealed record Series(string Label, string Color, List<(double X, double Y)> Points);

    /// <summary>A y axis: where a value falls between the bottom (0) and the top (1) of the plot area, and the ticks.</summary>
    private sealed record YAxis(Func<double, double> Fraction, List<(double Value, string Label)> Ticks);

    private sealed record Panel(string Id, string Heading, string YLabel, Series[] Series, YAxis Axis);

    /// <summary>Writes the plot to <paramref name="path"/>. Non-finite values (NaN: no validation set) are skipped.</summary>
    public static void WriteSvg(string path, IReadOnlyList<EpochResult> history, string title) => WriteSvg(path, history, title, null);

    /// <summary>Writes the plot to <paramref name="path"/>, drawn as <paramref name="options"/> say.</summary>
    /// <exception cref="ArgumentException">
    /// The history holds a null entry, or a logarithmic loss axis was asked for and a loss is 0 or negative; nothing is written.
    /// </exception>
    public static void WriteSvg(string path, IReadOnlyList<EpochResult> history, string title, TrainingCurvePlotOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string svg = ToSvg(history, title, options); // every check happens here, before the file is touched
        File.WriteAllText(path, svg);
    }

    /// <summary>The SVG document as a string.</summary>
    public static string ToSvg(IReadOnlyList<EpochResult> history, string title) => ToSvg(history, title, null);

    /// <summary>The SVG document as a string, drawn as <paramref name="options"/> say.</summary>
    /// <exception cref="ArgumentException">As for <see cref="WriteSvg(string, IReadOnlyList{EpochResult}, string, TrainingCurvePlotOptions?)"/>.</exception>
    public static string ToSvg(IReadOnlyList<EpochResult> history, string title, TrainingCurvePlotOptions? options)
    {
        ArgumentNullException.ThrowIfNull(history);
        options ??= new TrainingCurvePlotOptions();
        title ??= "";
        var training = new Series("training loss", TrainingColor, new());
        var validation = new Series("validation loss", ValidationColor, new());
        var accuracy = new Series("validation accuracy", ValidationColor, new());
        double xMin = double.PositiveInfinity, xMax = double.NegativeInfinity;
        for (int i = 0; i < history.Count; i++)
        {
            EpochResult r = history[i] ?? throw new ArgumentException($"history[{i}] is null.", nameof(history));
            xMin = Math.Min(xMin, r.Epoch);
            xMax = Math.Max(xMax, r.Epoch);
            if (float.IsFinite(r.TrainingLoss)) training.Points.Add((r.Epoch, r.TrainingLoss));
            if (float.IsFinite(r.ValidationLoss)) validation.Points.Add((r.Epoch, r.ValidationLoss));
            if (double.IsFinite(r.ValidationAccuracy)) accuracy.Points.Add((r.Epoch, 100 * r.ValidationAccuracy));
        }
        if (history.Count == 0) { xMin = 1; xMax = 2; }
        if (xMax <= xMin) xMax = xMin + 1; // one epoch: give the axis some width

        var panels = new List<Panel> { new("loss-panel", "Loss", "loss", [training, validation], LossAxis(history, training, validation, options)) };
        // No accuracy at all (regression, or no validation data): an empty panel would only say "no data", so leave it out.
        if (accuracy.Points.Count > 0)
            panels.Add(new("accuracy-panel", "Validation accuracy", "accuracy (%)", [accuracy], AccuracyAxis(accuracy)));
        double panelWidth = panels.Count == 1 ? LossOnlyWidth : PanelWidth, width = panelWidth * panels.Count;

        // Legends are placed first: one that finds no room inside its plot area goes below it, and the picture grows.
        var body = new StringBuilder();
        double height = BaseHeight;
        for (int i = 0; i < panels.Count; i++)
            height = Math.Max(height, DrawPanel(body, panels[i], i * panelWidth, panelWidth, xMin, xMax));

        var svg = new StringBuilder();
        svg.AppendLine("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        svg.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(width)}\" height=\"{F(height)}\" viewBox=\"0 0 {F(width)} {F(height)}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine($"  <title>{Escape(title)}</title>");
        svg.AppendLine($"  <rect x=\"0\" y=\"0\" width=\"{F(width)}\" height=\"{F(height)}\" fill=\"white\"/>");
        svg.AppendLine($"  <text x=\"{F(width / 2)}\" y=\"28\" text-anchor=\"middle\" font-size=\"18\" font-weight=\"bold\">{Escape(title)}</text>");
        svg.Append(body);
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>
    /// Linear: from 0 to a round number at or above the largest loss. Logarithmic: whole decades around the losses, which
    /// must then all be positive.
    /// </summary>
    private static YAxis LossAxis(IReadOnlyList<EpochResult> history, Series training, Series validation, TrainingCurvePlotOptions options)
    {
        double minLoss = double.PositiveInfinity, maxLoss = 0;
        foreach (var s in new[] { training, validation })
            foreach (var p in s.Points) { minLoss = Math.Min(minLoss, p.Y); maxLoss = Math.Max(maxLoss, p.Y); }
        if (options.LogarithmicLoss)
        {
            foreach (EpochResult r in history)
                foreach (var (name, loss) in new[] { ("training", r.TrainingLoss), ("validation", r.ValidationLoss) })
                    if (float.IsFinite(loss) && loss <= 0)
                        throw new ArgumentException($"Epoch {r.Epoch}'s {name} loss is {loss}; a logarithmic loss axis needs positive losses (set LogarithmicLoss = false).", nameof(history));
            var (bottom, top, ticks) = double.IsInfinity(minLoss) ? LogAxis(1, 1) : LogAxis(minLoss, maxLoss);
            double logBottom = Math.Log10(bottom), logTop = Math.Log10(top);
            return new YAxis(v => (Math.Log10(v) - logBottom) / (logTop - logBottom), ticks.ConvertAll(t => (t, LogTick(t))));
        }
        double step = NiceStep(maxLoss > 0 ? maxLoss : 1, 5);
        double lossTop = Math.Max(step, Math.Ceiling(maxLoss / step) * step);
        return LinearAxis(0, lossTop, step, "");
    }

    /// <summary>Zooms in when the accuracy is high, so that late improvements stay visible, but keeps the top at 100 %.</summary>
    private static YAxis AccuracyAxis(Series accuracy)
    {
        double minAccuracy = 100;
        foreach (var p in accuracy.Points) minAccuracy = Math.Min(minAccuracy, p.Y);
        double bottom = 0;
        foreach (double candidate in new double[] { 99, 98, 95, 90, 80, 50, 0 })
            if (candidate <= minAccuracy && 100 - candidate >= 1.25 * (100 - minAccuracy)) { bottom = candidate; break; }
        return LinearAxis(bottom, 100, NiceStep(100 - bottom, 5), "%");
    }

    private static YAxis LinearAxis(double bottom, double top, double step, string unit)
    {
        var ticks = new List<(double, string)>();
        for (int k = 0; bottom + k * step <= top + step * 1e-6; k++)
            ticks.Add((bottom + k * step, Tick(bottom + k * step, step) + unit));
        return new YAxis(v => (v - bottom) / (top - bottom), ticks);
    }

    /// <summary>Draws one panel; returns the height the picture needs for it (more than the base when its legend goes below).</summary>
    private static double DrawPanel(StringBuilder svg, Panel panel, double left, double panelWidth, double xMin, double xMax)
    {
        double x0 = left + MarginLeft, x1 = left + panelWidth - MarginRight;
        double y0 = BaseHeight - MarginBottom, y1 = MarginTop; // y0: bottom of the plot area (SVG y grows downwards)
        double X(double v) => x0 + (v - xMin) / (xMax - xMin) * (x1 - x0);
        double Y(double v) => y0 - panel.Axis.Fraction(v) * (y0 - y1);

        svg.AppendLine($"  <g id=\"{panel.Id}\">");
        svg.AppendLine($"    <text x=\"{F((x0 + x1) / 2)}\" y=\"{F(y1 - 14)}\" text-anchor=\"middle\" font-size=\"14\">{Escape(panel.Heading)}</text>");

        // Horizontal grid lines with the y tick labels.
        foreach (var (value, label) in panel.Axis.Ticks)
        {
            double y = Y(value);
            svg.AppendLine($"    <line x1=\"{F(x0)}\" y1=\"{F(y)}\" x2=\"{F(x1)}\" y2=\"{F(y)}\" stroke=\"#e0e0e0\"/>");
            svg.AppendLine($"    <text x=\"{F(x0 - 6)}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Escape(label)}</text>");
        }
        // Epoch ticks: whole epochs only.
        double xStep = Math.Max(1, NiceStep(xMax - xMin, 6));
        for (double v = Math.Ceiling(xMin / xStep) * xStep; v <= xMax + 1e-9; v += xStep)
        {
            double x = X(v);
            svg.AppendLine($"    <line x1=\"{F(x)}\" y1=\"{F(y0)}\" x2=\"{F(x)}\" y2=\"{F(y0 + 5)}\" stroke=\"black\"/>");
            svg.AppendLine($"    <text x=\"{F(x)}\" y=\"{F(y0 + 18)}\" text-anchor=\"middle\">{Tick(v, xStep)}</text>");
        }
        // Axes and their titles.
        svg.AppendLine($"    <line x1=\"{F(x0)}\" y1=\"{F(y0)}\" x2=\"{F(x1)}\" y2=\"{F(y0)}\" stroke=\"black\"/>");
        svg.AppendLine($"    <line x1=\"{F(x0)}\" y1=\"{F(y0)}\" x2=\"{F(x0)}\" y2=\"{F(y1)}\" stroke=\"black\"/>");
        svg.AppendLine($"    <text x=\"{F((x0 + x1) / 2)}\" y=\"{F(y0 + 40)}\" text-anchor=\"middle\">epoch</text>");
        double yMid = (y0 + y1) / 2, yTitleX = left + 18;
        svg.AppendLine($"    <text x=\"{F(yTitleX)}\" y=\"{F(yMid)}\" text-anchor=\"middle\" transform=\"rotate(-90 {F(yTitleX)} {F(yMid)})\">{Escape(panel.YLabel)}</text>");

        // The lines; markers too while there are few enough epochs to tell them apart.
        var drawn = new List<IReadOnlyList<(double X, double Y)>>();
        var entries = new List<LegendEntry>();
        foreach (Series s in panel.Series)
        {
            if (s.Points.Count == 0) continue;
            var pixels = s.Points.ConvertAll(p => (X(p.X), Y(p.Y)));
            drawn.Add(pixels);
            entries.Add(new LegendEntry(s.Label, s.Color));
            var points = new StringBuilder();
            foreach (var (px, py) in pixels) points.Append(F(px)).Append(',').Append(F(py)).Append(' ');
            svg.AppendLine($"    <polyline fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2\" points=\"{points.ToString().TrimEnd()}\"/>");
            if (s.Points.Count <= 60)
                foreach (var (px, py) in pixels)
                    svg.AppendLine($"    <circle cx=\"{F(px)}\" cy=\"{F(py)}\" r=\"2.5\" fill=\"{s.Color}\"/>");
        }
        double needed = BaseHeight;
        if (entries.Count == 0)
            svg.AppendLine($"    <text x=\"{F((x0 + x1) / 2)}\" y=\"{F(yMid)}\" text-anchor=\"middle\" fill=\"#808080\">no data</text>");
        else
        {
            var size = LegendSize(entries);
            var plotArea = new Box(x0, y1, x1 - x0, y0 - y1);
            // Below the epoch axis's title when every place inside would cover a line.
            Box box = FreeLegendSpot(plotArea, size, drawn, LegendClearance)
                ?? new Box((x0 + x1 - size.Width) / 2, y0 + 52, size.Width, size.Height);
            WriteLegend(svg, "    ", box, entries);
            needed = Math.Max(needed, box.Bottom + 12);
        }
        svg.AppendLine("  </g>");
        return needed;
    }
}
