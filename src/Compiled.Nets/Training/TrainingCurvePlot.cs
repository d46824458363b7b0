using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security;
using System.Text;

namespace Compiled.Nets.Training;

/// <summary>
/// Draws a training history as a self-contained SVG (no scripts, no external fonts or styles) that any browser
/// opens: loss per epoch (training and validation) on the left, validation accuracy per epoch on the right.
/// </summary>
public static class TrainingCurvePlot
{
    private const double Width = 1000, Height = 440;
    private const double PanelWidth = Width / 2;
    // Plot area inside each panel: room on the left for tick labels and the axis title, at the bottom for the epoch axis.
    private const double MarginLeft = 72, MarginRight = 24, MarginTop = 64, MarginBottom = 64;
    private const string TrainingColor = "#1f77b4", ValidationColor = "#ff7f0e";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private sealed record Series(string Label, string Color, List<(double X, double Y)> Points);

    /// <summary>Writes the plot to <paramref name="path"/>. Non-finite values (NaN: no validation set) are skipped.</summary>
    public static void WriteSvg(string path, IReadOnlyList<EpochResult> history, string title)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(history);
        File.WriteAllText(path, ToSvg(history, title ?? ""));
    }

    /// <summary>The SVG document as a string.</summary>
    public static string ToSvg(IReadOnlyList<EpochResult> history, string title)
    {
        var training = new Series("training loss", TrainingColor, new());
        var validation = new Series("validation loss", ValidationColor, new());
        var accuracy = new Series("validation accuracy", ValidationColor, new());
        double xMin = double.PositiveInfinity, xMax = double.NegativeInfinity;
        foreach (EpochResult r in history)
        {
            xMin = Math.Min(xMin, r.Epoch);
            xMax = Math.Max(xMax, r.Epoch);
            if (float.IsFinite(r.TrainingLoss)) training.Points.Add((r.Epoch, r.TrainingLoss));
            if (float.IsFinite(r.ValidationLoss)) validation.Points.Add((r.Epoch, r.ValidationLoss));
            if (double.IsFinite(r.ValidationAccuracy)) accuracy.Points.Add((r.Epoch, 100 * r.ValidationAccuracy));
        }
        if (history.Count == 0) { xMin = 1; xMax = 2; }
        if (xMax <= xMin) xMax = xMin + 1; // one epoch: give the axis some width

        // Loss: from 0 to a round number at or above the largest loss.
        double maxLoss = 0;
        foreach (var s in new[] { training, validation })
            foreach (var p in s.Points) maxLoss = Math.Max(maxLoss, p.Y);
        double lossStep = NiceStep(maxLoss > 0 ? maxLoss : 1, 5);
        double lossTop = Math.Max(lossStep, Math.Ceiling(maxLoss / lossStep) * lossStep);

        // Accuracy: zoom in when it is high, so that late improvements stay visible, but keep the top at 100 %.
        double minAccuracy = 100;
        foreach (var p in accuracy.Points) minAccuracy = Math.Min(minAccuracy, p.Y);
        double accuracyBottom = 0;
        foreach (double candidate in new double[] { 99, 98, 95, 90, 80, 50, 0 })
            if (candidate <= minAccuracy && 100 - candidate >= 1.25 * (100 - minAccuracy)) { accuracyBottom = candidate; break; }
        double accuracyStep = NiceStep(100 - accuracyBottom, 5);

        var svg = new StringBuilder();
        svg.AppendLine("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        svg.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(Width)}\" height=\"{F(Height)}\" viewBox=\"0 0 {F(Width)} {F(Height)}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine($"  <title>{Escape(title)}</title>");
        svg.AppendLine($"  <rect x=\"0\" y=\"0\" width=\"{F(Width)}\" height=\"{F(Height)}\" fill=\"white\"/>");
        svg.AppendLine($"  <text x=\"{F(Width / 2)}\" y=\"28\" text-anchor=\"middle\" font-size=\"18\" font-weight=\"bold\">{Escape(title)}</text>");
        Panel(svg, "loss-panel", 0, "Loss", "loss", [training, validation], xMin, xMax, 0, lossTop, lossStep, "");
        Panel(svg, "accuracy-panel", PanelWidth, "Validation accuracy", "accuracy (%)", [accuracy], xMin, xMax, accuracyBottom, 100, accuracyStep, "%");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, string id, double left, string heading, string yLabel, Series[] series,
        double xMin, double xMax, double yMin, double yMax, double yStep, string unit)
    {
        double x0 = left + MarginLeft, x1 = left + PanelWidth - MarginRight;
        double y0 = Height - MarginBottom, y1 = MarginTop; // y0: bottom of the plot area (SVG y grows downwards)
        double X(double v) => x0 + (v - xMin) / (xMax - xMin) * (x1 - x0);
        double Y(double v) => y0 - (v - yMin) / (yMax - yMin) * (y0 - y1);

        svg.AppendLine($"  <g id=\"{id}\">");
        svg.AppendLine($"    <text x=\"{F((x0 + x1) / 2)}\" y=\"{F(y1 - 14)}\" text-anchor=\"middle\" font-size=\"14\">{Escape(heading)}</text>");

        // Horizontal grid lines with the y tick labels.
        for (double v = yMin; v <= yMax + yStep * 1e-6; v += yStep)
        {
            double y = Y(v);
            svg.AppendLine($"    <line x1=\"{F(x0)}\" y1=\"{F(y)}\" x2=\"{F(x1)}\" y2=\"{F(y)}\" stroke=\"#e0e0e0\"/>");
            svg.AppendLine($"    <text x=\"{F(x0 - 6)}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Tick(v, yStep)}{unit}</text>");
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
        svg.AppendLine($"    <text x=\"{F(yTitleX)}\" y=\"{F(yMid)}\" text-anchor=\"middle\" transform=\"rotate(-90 {F(yTitleX)} {F(yMid)})\">{Escape(yLabel)}</text>");

        // The lines; markers too while there are few enough epochs to tell them apart.
        bool any = false;
        foreach (Series s in series)
        {
            if (s.Points.Count == 0) continue;
            any = true;
            var points = new StringBuilder();
            foreach (var p in s.Points) points.Append(F(X(p.X))).Append(',').Append(F(Y(p.Y))).Append(' ');
            svg.AppendLine($"    <polyline fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2\" points=\"{points.ToString().TrimEnd()}\"/>");
            if (s.Points.Count <= 60)
                foreach (var p in s.Points)
                    svg.AppendLine($"    <circle cx=\"{F(X(p.X))}\" cy=\"{F(Y(p.Y))}\" r=\"2.5\" fill=\"{s.Color}\"/>");
        }
        if (!any)
            svg.AppendLine($"    <text x=\"{F((x0 + x1) / 2)}\" y=\"{F(yMid)}\" text-anchor=\"middle\" fill=\"#808080\">no data</text>");

        // Legend, top right of the plot area, on a translucent white box so lines that pass under it stay readable.
        double legendY = y1 + 8;
        int entries = 0;
        foreach (Series s in series) if (s.Points.Count > 0) entries++;
        if (entries > 0)
            svg.AppendLine($"    <rect x=\"{F(x1 - 156)}\" y=\"{F(legendY - 4)}\" width=\"152\" height=\"{F(18 * entries + 4)}\" fill=\"white\" fill-opacity=\"0.85\"/>");
        foreach (Series s in series)
        {
            if (s.Points.Count == 0) continue;
            double lx = x1 - 150;
            svg.AppendLine($"    <line x1=\"{F(lx)}\" y1=\"{F(legendY + 6)}\" x2=\"{F(lx + 24)}\" y2=\"{F(legendY + 6)}\" stroke=\"{s.Color}\" stroke-width=\"2\"/>");
            svg.AppendLine($"    <text x=\"{F(lx + 30)}\" y=\"{F(legendY + 10)}\">{Escape(s.Label)}</text>");
            legendY += 18;
        }
        svg.AppendLine("  </g>");
    }

    /// <summary>A round step (1, 2 or 5 × 10^k) that cuts <paramref name="range"/> into about <paramref name="count"/> parts.</summary>
    private static double NiceStep(double range, int count)
    {
        double raw = range / count;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double normalized = raw / magnitude;
        double nice = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /// <summary>A tick label with as many decimals as the step needs (0.25 → 2), and no "-0".</summary>
    private static string Tick(double value, double step)
    {
        int decimals = Math.Clamp((int)Math.Ceiling(-Math.Log10(step) - 1e-9), 0, 6);
        double rounded = Math.Round(value, decimals);
        if (rounded == 0) rounded = 0;
        return rounded.ToString("F" + decimals, Invariant);
    }

    private static string F(double value) => value.ToString("0.##", Invariant);

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
