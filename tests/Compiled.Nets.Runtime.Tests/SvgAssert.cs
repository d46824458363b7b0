using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>Reads the charts' SVG back: polyline points, the legend's box, and whether the legend covers anything drawn.</summary>
internal static class SvgAssert
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    public readonly record struct Rect(double Left, double Top, double Right, double Bottom);

    public static List<(double X, double Y)> Points(XElement polyline) =>
        ((string)polyline.Attribute("points")!)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToList();

    public static IEnumerable<(double X, double Y)> PolylinePoints(XElement container) =>
        container.Descendants(Svg + "polyline").SelectMany(Points);

    public static Rect LegendBox(XElement container)
    {
        var rect = container.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend").Element(Svg + "rect")!;
        double D(string name) => double.Parse((string)rect.Attribute(name)!, CultureInfo.InvariantCulture);
        return new Rect(D("x"), D("y"), D("x") + D("width"), D("y") + D("height"));
    }

    /// <summary>
    /// Walks every line in half-pixel steps (with the stroke's half width) and every point marker (a 2.5-pixel circle), and
    /// fails on the first that touches the legend's box.
    /// </summary>
    public static void LegendCoversNothing(XElement container)
    {
        var box = LegendBox(container);
        bool Inside(double x, double y, double margin) =>
            x >= box.Left - margin && x <= box.Right + margin && y >= box.Top - margin && y <= box.Bottom + margin;
        var lines = container.Descendants(Svg + "polyline").ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var points = Points(line);
            for (int i = 0; i + 1 < points.Count; i++)
            {
                var (a, b) = (points[i], points[i + 1]);
                int steps = (int)Math.Ceiling(Math.Max(Math.Abs(b.X - a.X), Math.Abs(b.Y - a.Y)) * 2) + 1;
                for (int k = 0; k <= steps; k++)
                {
                    double x = a.X + (b.X - a.X) * k / steps, y = a.Y + (b.Y - a.Y) * k / steps;
                    Assert.False(Inside(x, y, 1), $"the legend {box} covers a line at ({x:F1}, {y:F1})");
                }
            }
        }
        foreach (var dot in container.Descendants(Svg + "circle"))
        {
            double x = double.Parse((string)dot.Attribute("cx")!, CultureInfo.InvariantCulture);
            double y = double.Parse((string)dot.Attribute("cy")!, CultureInfo.InvariantCulture);
            Assert.False(Inside(x, y, 2.5), $"the legend {box} covers a point at ({x:F1}, {y:F1})");
        }
    }
}
