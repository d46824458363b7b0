using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using static Compiled.Nets.Plotting.SvgChart;

namespace Compiled.Nets.Plotting;

/// <summary>One line of a <see cref="LineChart"/>: its legend label and its points, in the order they are joined.</summary>
/// <param name="Label">The legend's text.</param>
/// <param name="Points">The points; a point with a non-finite coordinate is left out.</param>
/// <param name="Color">An SVG colour ("#1f77b4"); null takes the next of the chart's palette.</param>
public sealed record LineSeries(string Label, IReadOnlyList<(double X, double Y)> Points, string? Color = null);

/// <summary>A dashed vertical line across the plot area at <paramref name="X"/>, labelled at its top.</summary>
/// <param name="X">Where the line is, on the x axis.</param>
/// <param name="Label">The text at its top.</param>
public sealed record VerticalMarker(double X, string Label);

/// <summary>
/// A line chart as a self-contained SVG (no scripts, fonts or styles from outside; any browser opens it): lines with point
/// markers, a legend, round-numbered axes, and optional dashed vertical markers (the Hopfield capacity 0.138 N, say).
/// The style of <see cref="Training.TrainingCurvePlot"/>; deterministic, the same chart gives the same bytes.
/// </summary>
public sealed class LineChart
{
    private const double Width = 800, Height = 500;
    private const double MarginLeft = 76, MarginRight = 28, MarginTop = 64, MarginBottom = 64;
    // The legend keeps this far from every line: half the 2-pixel stroke, the 2.5-pixel point markers, and a gap.
    private const double LegendClearance = 5;

    /// <summary>The colours lines take in turn (matplotlib's "tab10").</summary>
    public static readonly IReadOnlyList<string> Palette =
        new[] { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };

    /// <summary>The title above the plot.</summary>
    public string Title { get; init; } = "";
    /// <summary>The x axis label.</summary>
    public string XLabel { get; init; } = "";
    /// <summary>The y axis label.</summary>
    public string YLabel { get; init; } = "";

    /// <summary>Axis ranges; null fits the data (and the markers), widened to round numbers.</summary>
    public double? XMin { get; init; }
    /// <summary>The x axis maximum; null fits the data.</summary>
    public double? XMax { get; init; }
    /// <summary>The y axis minimum; null fits the data.</summary>
    public double? YMin { get; init; }
    /// <summary>The y axis maximum; null fits the data.</summary>
    public double? YMax { get; init; }

    /// <summary>Appended to every y tick label ("%").</summary>
    public string YUnit { get; init; } = "";

    /// <summary>The lines drawn, in order.</summary>
    public IReadOnlyList<LineSeries> Series { get; init; } = Array.Empty<LineSeries>();
    /// <summary>Vertical lines drawn across the plot (a best epoch).</summary>
    public IReadOnlyList<VerticalMarker> Markers { get; init; } = Array.Empty<VerticalMarker>();

    /// <summary>Writes the chart to <paramref name="path"/>.</summary>
    public void WriteSvg(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllText(path, ToSvg());
    }

    /// <summary>The SVG document as a string.</summary>
    public string ToSvg()
    {
        if (Series is null) throw new InvalidOperationException("LineChart.Series is null.");
        if (Markers is null) throw new InvalidOperationException("LineChart.Markers is null.");
        var lines = new List<(LineSeries Series, string Color, List<(double X, double Y)> Points)>();
        double dataXMin = double.PositiveInfinity, dataXMax = double.NegativeInfinity;
        double dataYMin = double.PositiveInfinity, dataYMax = double.NegativeInfinity;
        for (int s = 0; s < Series.Count; s++)
        {
            var series = Series[s] ?? throw new InvalidOperationException($"LineChart.Series[{s}] is null.");
            var points = new List<(double, double)>();
            foreach (var (x, y) in series.Points ?? Array.Empty<(double, double)>())
            {
                if (!double.IsFinite(x) || !double.IsFinite(y)) continue;
                points.Add((x, y));
                dataXMin = Math.Min(dataXMin, x); dataXMax = Math.Max(dataXMax, x);
                dataYMin = Math.Min(dataYMin, y); dataYMax = Math.Max(dataYMax, y);
            }
            lines.Add((series, series.Color ?? Palette[s % Palette.Count], points));
        }
        foreach (var marker in Markers)
        {
            if (marker is null || !double.IsFinite(marker.X)) continue;
            dataXMin = Math.Min(dataXMin, marker.X); dataXMax = Math.Max(dataXMax, marker.X);
        }
        var (xMin, xMax, xStep) = Axis(XMin, XMax, dataXMin, dataXMax);
        var (yMin, yMax, yStep) = Axis(YMin, YMax, dataYMin, dataYMax);

        double x0 = MarginLeft, x1 = Width - MarginRight, y0 = Height - MarginBottom, y1 = MarginTop;
        double X(double v) => x0 + (v - xMin) / (xMax - xMin) * (x1 - x0);
        double Y(double v) => y0 - (v - yMin) / (yMax - yMin) * (y0 - y1);

        // The body first: the picture grows when the legend finds no room inside the plot area.
        var svg = new StringBuilder();

        // Grid lines and tick labels, then the axes and their titles.
        svg.AppendLine("  <g id=\"axes\">");
        for (int k = 0; yMin + k * yStep <= yMax + yStep * 1e-6; k++)
        {
            double v = yMin + k * yStep, y = Y(v);
            svg.AppendLine($"    <line x1=\"{F(x0)}\" y1=\"{F(y)}\" x2=\"{F(x1)}\" y2=\"{F(y)}\" stroke=\"#e0e0e0\"/>");
            svg.AppendLine($"    <text x=\"{F(x0 - 6)}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Tick(v, yStep)}{Escape(YUnit)}</text>");
        }
        for (int k = 0; xMin + k * xStep <= xMax + xStep * 1e-6; k++)
        {
            double v = xMin + k * xStep, x = X(v);
            svg.AppendLine($"    <line x1=\"{F(x)}\" y1=\"{F(y0)}\" x2=\"{F(x)}\" y2=\"{F(y0 + 5)}\" stroke=\"black\"/>");
            svg.AppendLine($"    <text x=\"{F(x)}\" y=\"{F(y0 + 18)}\" text-anchor=\"middle\">{Tick(v, xStep)}</text>");
        }
        svg.AppendLine($"    <line x1=\"{F(x0)}\" y1=\"{F(y0)}\" x2=\"{F(x1)}\" y2=\"{F(y0)}\" stroke=\"black\"/>");
        svg.AppendLine($"    <line x1=\"{F(x0)}\" y1=\"{F(y0)}\" x2=\"{F(x0)}\" y2=\"{F(y1)}\" stroke=\"black\"/>");
        svg.AppendLine($"    <text x=\"{F((x0 + x1) / 2)}\" y=\"{F(y0 + 42)}\" text-anchor=\"middle\">{Escape(XLabel)}</text>");
        double yMid = (y0 + y1) / 2;
        svg.AppendLine($"    <text x=\"20\" y=\"{F(yMid)}\" text-anchor=\"middle\" transform=\"rotate(-90 20 {F(yMid)})\">{Escape(YLabel)}</text>");
        svg.AppendLine("  </g>");

        // Lines the legend must not cover: the series, and the markers with their labels.
        var drawn = new List<IReadOnlyList<(double X, double Y)>>();
        foreach (var marker in Markers)
        {
            if (marker is null || !double.IsFinite(marker.X) || marker.X < xMin || marker.X > xMax) continue;
            double x = X(marker.X);
            drawn.Add(new[] { (x, y0), (x, y1) });
            drawn.Add(new[] { (x + 4, y1 + 8), (x + 4 + 7 * (marker.Label ?? "").Length, y1 + 8) });
            svg.AppendLine($"  <g class=\"marker\"><line x1=\"{F(x)}\" y1=\"{F(y0)}\" x2=\"{F(x)}\" y2=\"{F(y1)}\" stroke=\"#404040\" stroke-dasharray=\"6 4\"/>" +
                $"<text x=\"{F(x + 4)}\" y=\"{F(y1 + 12)}\" fill=\"#404040\">{Escape(marker.Label)}</text></g>");
        }

        // The lines, with a dot per point; the plot area clips nothing, so ranges given too tight show points outside.
        bool any = false;
        foreach (var (series, color, points) in lines)
        {
            if (points.Count == 0) continue;
            any = true;
            drawn.Add(points.ConvertAll(p => (X(p.X), Y(p.Y))));
            var text = new StringBuilder();
            foreach (var p in points) text.Append(F(X(p.X))).Append(',').Append(F(Y(p.Y))).Append(' ');
            svg.AppendLine($"  <g class=\"series\"><title>{Escape(series.Label)}</title>");
            svg.AppendLine($"    <polyline fill=\"none\" stroke=\"{Escape(color)}\" stroke-width=\"2\" points=\"{text.ToString().TrimEnd()}\"/>");
            foreach (var p in points)
                svg.AppendLine($"    <circle cx=\"{F(X(p.X))}\" cy=\"{F(Y(p.Y))}\" r=\"2.5\" fill=\"{Escape(color)}\"/>");
            svg.AppendLine("  </g>");
        }
        if (!any)
            svg.AppendLine($"  <text x=\"{F((x0 + x1) / 2)}\" y=\"{F(yMid)}\" text-anchor=\"middle\" fill=\"#808080\">no data</text>");

        // The legend where it covers no line, below the x axis's title when there is no such place inside.
        var entries = new List<LegendEntry>();
        foreach (var (series, color, points) in lines)
            if (points.Count > 0) entries.Add(new LegendEntry(series.Label ?? "", color));
        double height = Height;
        if (entries.Count > 0)
        {
            var size = LegendSize(entries);
            Box box = FreeLegendSpot(new Box(x0, y1, x1 - x0, y0 - y1), size, drawn, LegendClearance)
                ?? new Box((x0 + x1 - size.Width) / 2, y0 + 54, size.Width, size.Height);
            WriteLegend(svg, "  ", box, entries);
            height = Math.Max(height, box.Bottom + 12);
        }

        var head = new StringBuilder();
        head.AppendLine("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        head.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(Width)}\" height=\"{F(height)}\" viewBox=\"0 0 {F(Width)} {F(height)}\" font-family=\"sans-serif\" font-size=\"12\">");
        head.AppendLine($"  <title>{Escape(Title)}</title>");
        head.AppendLine($"  <rect x=\"0\" y=\"0\" width=\"{F(Width)}\" height=\"{F(height)}\" fill=\"white\"/>");
        head.AppendLine($"  <text x=\"{F(Width / 2)}\" y=\"30\" text-anchor=\"middle\" font-size=\"17\" font-weight=\"bold\">{Escape(Title)}</text>");
        svg.Insert(0, head.ToString());
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>An axis: the range given, or the data's widened to whole steps, and a round step.</summary>
    private static (double Min, double Max, double Step) Axis(double? min, double? max, double dataMin, double dataMax)
    {
        if (min is { } a && max is { } b && !(b > a))
            throw new InvalidOperationException($"LineChart: an axis runs from {a} to {b}; its maximum must be above its minimum.");
        if (double.IsInfinity(dataMin)) { dataMin = 0; dataMax = 1; }
        double lo = min ?? dataMin, hi = max ?? dataMax;
        if (!(hi > lo)) { hi = lo + (lo == 0 ? 1 : Math.Abs(lo) * 0.1); }
        double step = NiceStep(hi - lo, 6);
        if (min is null) lo = Math.Floor(lo / step + 1e-9) * step;
        if (max is null) hi = Math.Ceiling(hi / step - 1e-9) * step;
        if (!(hi > lo)) hi = lo + step;
        return (lo, hi, step);
    }
}
