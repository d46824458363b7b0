using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security;
using System.Text;

namespace Compiled.Nets.Plotting;

/// <summary>A rectangle in SVG pixels (y grows downwards).</summary>
internal readonly record struct Box(double Left, double Top, double Width, double Height)
{
    public double Right => Left + Width;
    public double Bottom => Top + Height;

    public Box Inflate(double by) => new(Left - by, Top - by, Width + 2 * by, Height + 2 * by);

    public bool Contains((double X, double Y) p) => p.X >= Left && p.X <= Right && p.Y >= Top && p.Y <= Bottom;

    /// <summary>Whether the segment from <paramref name="a"/> to <paramref name="b"/> touches the box (Liang–Barsky clipping).</summary>
    public bool Intersects((double X, double Y) a, (double X, double Y) b)
    {
        double dx = b.X - a.X, dy = b.Y - a.Y, enter = 0, leave = 1;
        // Each pair bounds the segment's parameter t by one side of the box; the segment misses when the bounds cross.
        foreach (var (p, q) in new[] { (-dx, a.X - Left), (dx, Right - a.X), (-dy, a.Y - Top), (dy, Bottom - a.Y) })
        {
            if (p == 0) { if (q < 0) return false; continue; }
            double t = q / p;
            if (p < 0) enter = Math.Max(enter, t); else leave = Math.Min(leave, t);
            if (enter > leave) return false;
        }
        return true;
    }
}

/// <summary>One legend row: a short stroke of the line's colour and its label.</summary>
internal readonly record struct LegendEntry(string Label, string Color);

/// <summary>
/// What <see cref="LineChart"/> and <see cref="Training.TrainingCurvePlot"/> share, so that both draw alike: round axis
/// steps and tick labels (linear and logarithmic), invariant number formatting, escaping, and a legend that hides no line.
/// </summary>
internal static class SvgChart
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Height of one legend row, and the padding around the rows.</summary>
    private const double LegendRow = 18, LegendPadding = 4;

    /// <summary>A round step (1, 2 or 5 × 10^k) that cuts <paramref name="range"/> into about <paramref name="count"/> parts.</summary>
    public static double NiceStep(double range, int count)
    {
        double raw = range / count;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double normalized = raw / magnitude;
        double nice = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /// <summary>A tick label with as many decimals as the step needs (0.25 → 2), and no "-0".</summary>
    public static string Tick(double value, double step)
    {
        int decimals = Math.Clamp((int)Math.Ceiling(-Math.Log10(step) - 1e-9), 0, 6);
        double rounded = Math.Round(value, decimals);
        if (rounded == 0) rounded = 0;
        return rounded.ToString("F" + decimals, Invariant);
    }

    /// <summary>
    /// A logarithmic axis over positive <paramref name="min"/>..<paramref name="max"/>: from the power of ten at or below the
    /// smallest value to the one at or above the largest, ticks at every power of ten, and at 2 and 5 times each too while
    /// the axis spans two decades or fewer (otherwise a loss that falls from 0.3 to 0.2 would sit between two lone ticks).
    /// </summary>
    public static (double Bottom, double Top, List<double> Ticks) LogAxis(double min, double max)
    {
        if (!(min > 0) || !(max >= min))
            throw new ArgumentOutOfRangeException(nameof(min), $"A logarithmic axis needs positive values; got {min} to {max}.");
        // The tolerance snaps a float loss a rounding error off a power of ten (0.001f) onto that power.
        int low = (int)Math.Floor(Math.Log10(min) + 1e-6), high = (int)Math.Ceiling(Math.Log10(max) - 1e-6);
        if (high <= low) high = low + 1;
        var ticks = new List<double>();
        for (int k = low; k <= high; k++)
        {
            double power = Math.Pow(10, k);
            ticks.Add(power);
            if (high - low <= 2 && k < high) { ticks.Add(2 * power); ticks.Add(5 * power); }
        }
        return (Math.Pow(10, low), Math.Pow(10, high), ticks);
    }

    /// <summary>A logarithmic axis's tick label: plain decimals from 0.0001 to 100000 ("0.002"), exponents beyond ("1e-6").</summary>
    public static string LogTick(double value)
    {
        double exponent = Math.Floor(Math.Log10(value) + 1e-9);
        return Math.Abs(exponent) <= 4
            ? value.ToString("0.#####", Invariant)
            : value.ToString("0e0", Invariant);
    }

    public static string F(double value) => value.ToString("0.##", Invariant);

    public static string Escape(string? text) => SecurityElement.Escape(text ?? "") ?? "";

    /// <summary>The legend's size: wide enough for its longest label (about 7 pixels a character at font size 12).</summary>
    public static (double Width, double Height) LegendSize(IReadOnlyList<LegendEntry> entries)
    {
        int longest = 0;
        foreach (var e in entries) longest = Math.Max(longest, e.Label.Length);
        return (48 + 7 * longest, LegendRow * entries.Count + 2 * LegendPadding);
    }

    /// <summary>
    /// A place for a legend of <paramref name="size"/> inside <paramref name="plot"/> that covers no line and no point marker:
    /// the four corners first (top right, top left, bottom right, bottom left), then positions sliding along the top and
    /// bottom edges, then along the sides. Null when the lines leave no such place; the caller then draws it outside.
    /// </summary>
    /// <param name="plot">The plot area.</param>
    /// <param name="size">The legend's width and height (<see cref="LegendSize"/>).</param>
    /// <param name="lines">Each line's points in pixels, in drawing order.</param>
    /// <param name="clearance">Distance kept from every line: half its stroke and a marker's radius, and a gap to see.</param>
    public static Box? FreeLegendSpot(Box plot, (double Width, double Height) size, IEnumerable<IReadOnlyList<(double X, double Y)>> lines, double clearance)
    {
        const double inset = 8, slide = 8;
        double left = plot.Left + inset, right = plot.Right - inset - size.Width;
        double top = plot.Top + inset, bottom = plot.Bottom - inset - size.Height;
        if (right < left || bottom < top) return null;
        var segments = new List<((double, double) A, (double, double) B)>();
        foreach (var line in lines)
            for (int i = 0; i < line.Count; i++)
                segments.Add((line[i], line[Math.Min(i + 1, line.Count - 1)])); // a lone point is a segment of length 0

        var candidates = new List<(double X, double Y)> { (right, top), (left, top), (right, bottom), (left, bottom) };
        for (double x = right - slide; x > left; x -= slide) { candidates.Add((x, top)); candidates.Add((x, bottom)); }
        for (double y = top + slide; y < bottom; y += slide) { candidates.Add((right, y)); candidates.Add((left, y)); }
        foreach (var (x, y) in candidates)
        {
            var box = new Box(x, y, size.Width, size.Height);
            var keepOut = box.Inflate(clearance);
            bool free = true;
            foreach (var (a, b) in segments)
                if (keepOut.Intersects(a, b)) { free = false; break; }
            if (free) return box;
        }
        return null;
    }

    /// <summary>Writes a legend into <paramref name="box"/>: a translucent white box with one row per entry.</summary>
    public static void WriteLegend(StringBuilder svg, string indent, Box box, IReadOnlyList<LegendEntry> entries)
    {
        svg.AppendLine($"{indent}<g class=\"legend\"><rect x=\"{F(box.Left)}\" y=\"{F(box.Top)}\" width=\"{F(box.Width)}\" height=\"{F(box.Height)}\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#c0c0c0\"/>");
        double row = box.Top + LegendPadding;
        foreach (var entry in entries)
        {
            double x = box.Left + 8, middle = row + LegendRow / 2;
            svg.AppendLine($"{indent}  <line x1=\"{F(x)}\" y1=\"{F(middle)}\" x2=\"{F(x + 24)}\" y2=\"{F(middle)}\" stroke=\"{Escape(entry.Color)}\" stroke-width=\"2\"/>");
            svg.AppendLine($"{indent}  <text x=\"{F(x + 30)}\" y=\"{F(middle + 4)}\">{Escape(entry.Label)}</text>");
            row += LegendRow;
        }
        svg.AppendLine($"{indent}</g>");
    }
}
