using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Compiled.Nets.Plotting;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

public sealed class LineChartTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static LineChart Capacity() => new()
    {
        Title = "Recall <10% flipped> & more",
        XLabel = "load P/N",
        YLabel = "recall (%)",
        XMin = 0, XMax = 0.25, YMin = 0, YMax = 100, YUnit = "%",
        Series = new[]
        {
            new LineSeries("N = 100", new[] { (0.05, 100.0), (0.10, 95.0), (0.15, 60.0), (0.20, 25.0) }),
            new LineSeries("N = 1000", new[] { (0.05, 100.0), (0.10, double.NaN), (0.15, 15.0), (0.20, 0.0) }, "#d62728"),
        },
        Markers = new[] { new VerticalMarker(0.138, "0.138") },
    };

    private static double[] Xs(XElement polyline) =>
        polyline.Attribute("points")!.Value.Split(' ').Select(p => double.Parse(p.Split(',')[0], CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void Writes_one_line_per_series_a_marker_and_escaped_text()
    {
        string path = _dir.File("chart.svg");
        Capacity().WriteSvg(path);
        string text = File.ReadAllText(path);
        Assert.DoesNotContain("NaN", text);
        Assert.DoesNotContain("script", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href", text);
        var svg = XDocument.Parse(text); // well-formed, so the title's < > & were escaped
        Assert.Equal("Recall <10% flipped> & more", svg.Root!.Element(Svg + "title")!.Value);

        var lines = svg.Descendants(Svg + "polyline").ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(LineChart.Palette[0], lines[0].Attribute("stroke")!.Value);
        Assert.Equal("#d62728", lines[1].Attribute("stroke")!.Value);
        Assert.Equal(4, Xs(lines[0]).Length);
        Assert.Equal(3, Xs(lines[1]).Length); // the NaN point is left out
        Assert.True(Xs(lines[0]).Zip(Xs(lines[0]).Skip(1)).All(p => p.First < p.Second));

        // The marker sits where 0.138 falls between the ticks 0.10 and 0.15 of the x axis.
        var marker = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "marker");
        double markerX = double.Parse(marker.Element(Svg + "line")!.Attribute("x1")!.Value, CultureInfo.InvariantCulture);
        var ticks = svg.Descendants(Svg + "text").Where(t => t.Value is "0.10" or "0.15")
            .ToDictionary(t => t.Value, t => double.Parse(t.Attribute("x")!.Value, CultureInfo.InvariantCulture));
        Assert.Equal(ticks["0.10"] + (ticks["0.15"] - ticks["0.10"]) * (0.038 / 0.05), markerX, 1.0);
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "100%");
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "N = 1000");
    }

    [Fact]
    public void The_same_chart_gives_the_same_bytes_and_empty_data_says_so()
    {
        Assert.Equal(Capacity().ToSvg(), Capacity().ToSvg());
        var empty = XDocument.Parse(new LineChart { Title = "empty", Series = new[] { new LineSeries("none", Array.Empty<(double, double)>()) } }.ToSvg());
        Assert.Empty(empty.Descendants(Svg + "polyline"));
        Assert.Contains(empty.Descendants(Svg + "text"), t => t.Value == "no data");
    }

    [Fact]
    public void Ranges_fit_the_data_when_not_given()
    {
        var svg = XDocument.Parse(new LineChart { Series = new[] { new LineSeries("a", new[] { (3.0, -7.0), (17.0, 42.0) }) } }.ToSvg());
        var labels = svg.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("0", labels);   // the x axis widened from 3 to a round 0
        Assert.Contains("20", labels);
        Assert.Contains("-10", labels);
        Assert.Contains("50", labels);
        Assert.Throws<InvalidOperationException>(() => new LineChart { XMin = 1, XMax = 1 }.ToSvg());
    }

    [Fact]
    public void The_legend_leaves_the_corner_a_rising_line_runs_into_and_covers_no_line()
    {
        var chart = new LineChart
        {
            Series = new[]
            {
                new LineSeries("a line rising into the top right corner", Enumerable.Range(0, 20).Select(i => ((double)i, (double)i * i)).ToList()),
                new LineSeries("flat", Enumerable.Range(0, 20).Select(i => ((double)i, 10.0)).ToList()),
            },
            Markers = new[] { new VerticalMarker(2, "two") },
        };
        var svg = XDocument.Parse(chart.ToSvg());
        SvgAssert.LegendCoversNothing(svg.Root!);
        var legend = SvgAssert.LegendBox(svg.Root!);
        var marker = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "marker").Element(Svg + "line")!;
        double markerX = double.Parse(marker.Attribute("x1")!.Value, CultureInfo.InvariantCulture);
        Assert.False(markerX >= legend.Left && markerX <= legend.Right, "the legend covers the marker's line");
    }
}
