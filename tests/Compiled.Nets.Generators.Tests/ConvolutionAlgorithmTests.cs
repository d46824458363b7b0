using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Compiled.Nets.Generators.Layers.Convolution;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.CompilerServices;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

/// <summary>
/// The generator chooses each convolution's CPU algorithm while lowering (ConvolutionAlgorithms, which mirrors the runtime
/// because the generator cannot reference it); the runtime recommends one by the same rule (Conv2DShape.Recommended).
/// These tests keep the two from drifting apart.
/// </summary>
public class ConvolutionAlgorithmTests
{
    /// <summary>
    /// (in channels, height, width, out channels, kernel h, kernel w, stride h, stride w, pad h, pad w, groups): strides 1
    /// and 2, paddings, plain, grouped, depthwise (one and two filters per channel, and three), pointwise, small and large
    /// maps, 1-D, and the borders of the shifted-rows waste rule.
    /// </summary>
    public static IEnumerable<object[]> Shapes() => new (int, int, int, int, int, int, int, int, int, int, int)[]
    {
        // Plain 2-D, stride 1: LeNet's layers, small and large maps, the waste rule's borders.
        (1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1), (6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1), (16, 8, 8, 32, 3, 3, 1, 1, 1, 1, 1),
        (16, 8, 8, 16, 3, 3, 1, 1, 0, 0, 1), (16, 6, 6, 16, 5, 5, 1, 1, 0, 0, 1), (32, 4, 4, 32, 3, 3, 1, 1, 0, 0, 1),
        (2, 5, 5, 3, 5, 5, 1, 1, 0, 0, 1), (2, 5, 5, 3, 5, 5, 1, 1, 2, 2, 1), (8, 9, 9, 8, 7, 7, 1, 1, 0, 0, 1),
        (16, 7, 7, 16, 5, 5, 1, 1, 0, 0, 1), (3, 3, 3, 4, 3, 3, 1, 1, 0, 0, 1), (3, 3, 3, 4, 3, 3, 1, 1, 1, 1, 1),
        (4, 64, 64, 8, 3, 3, 1, 1, 1, 1, 1), (3, 32, 32, 16, 7, 7, 1, 1, 3, 3, 1), (2, 4, 4, 2, 4, 4, 1, 1, 0, 0, 1),
        (1, 2, 2, 1, 2, 2, 1, 1, 0, 0, 1), (2, 10, 3, 2, 3, 3, 1, 1, 0, 0, 1), (2, 3, 10, 2, 3, 3, 1, 1, 0, 0, 1),
        // Stride 2 (and mixed strides): im2col unless depthwise.
        (6, 28, 28, 16, 5, 5, 2, 2, 2, 2, 1), (2, 8, 8, 3, 3, 3, 2, 2, 1, 1, 1), (3, 32, 32, 8, 3, 3, 2, 2, 0, 0, 1),
        (2, 8, 8, 3, 3, 3, 1, 2, 1, 1, 1), (2, 8, 8, 3, 3, 3, 2, 1, 1, 1, 1), (4, 9, 9, 4, 1, 1, 2, 2, 0, 0, 1),
        // Pointwise (1×1, stride 1, no padding) and 1×1 with padding.
        (4, 6, 6, 6, 1, 1, 1, 1, 0, 0, 1), (16, 14, 14, 24, 1, 1, 1, 1, 0, 0, 1), (4, 6, 6, 6, 1, 1, 1, 1, 1, 1, 1),
        (8, 6, 6, 8, 1, 1, 1, 1, 0, 0, 8), (8, 6, 6, 16, 1, 1, 1, 1, 0, 0, 8),
        // Grouped.
        (4, 9, 11, 6, 3, 3, 1, 1, 1, 1, 2), (8, 8, 8, 8, 3, 3, 2, 2, 1, 1, 4), (8, 8, 8, 16, 3, 3, 2, 2, 1, 1, 2),
        // Depthwise: one, two and three filters per channel, stride 1 and 2, small maps where shifted rows waste too much.
        (32, 16, 16, 32, 3, 3, 1, 1, 1, 1, 32), (32, 16, 16, 32, 3, 3, 2, 2, 1, 1, 32), (16, 16, 16, 32, 3, 3, 2, 2, 1, 1, 16),
        (8, 16, 16, 24, 3, 3, 2, 2, 1, 1, 8), (4, 20, 20, 8, 9, 9, 2, 2, 4, 4, 4), (16, 28, 28, 16, 5, 5, 1, 1, 2, 2, 16),
        (4, 5, 5, 4, 5, 5, 1, 1, 0, 0, 4), (4, 5, 5, 8, 5, 5, 1, 1, 0, 0, 4), (4, 5, 5, 12, 5, 5, 1, 1, 0, 0, 4),
        (3, 10, 19, 3, 3, 3, 1, 1, 1, 1, 3), (4, 9, 9, 8, 3, 3, 2, 2, 1, 1, 4), (2, 7, 12, 2, 3, 3, 1, 1, 0, 0, 2),
        (64, 2, 2, 64, 3, 3, 1, 1, 1, 1, 64),
        // One input channel without groups (not direct: one group).
        (1, 5, 5, 2, 5, 5, 1, 1, 0, 0, 1), (1, 16, 16, 2, 3, 3, 2, 2, 1, 1, 1),
        // 1-D (height 1): stride 1 and 2, padding, depthwise.
        (3, 1, 40, 5, 1, 5, 1, 1, 0, 2, 1), (4, 1, 12, 8, 1, 5, 1, 1, 0, 0, 1), (4, 1, 40, 8, 1, 9, 1, 1, 0, 0, 1),
        (4, 1, 40, 8, 1, 3, 1, 2, 0, 1, 1), (4, 1, 6, 4, 1, 5, 1, 1, 0, 0, 4), (4, 1, 32, 4, 1, 3, 1, 2, 0, 1, 4),
        (4, 1, 3, 4, 1, 3, 1, 1, 0, 0, 1), (8, 1, 100, 8, 1, 1, 1, 1, 0, 0, 1),
    }.Select(s => new object[] { s.Item1, s.Item2, s.Item3, s.Item4, s.Item5, s.Item6, s.Item7, s.Item8, s.Item9, s.Item10, s.Item11 });

    [Fact]
    public void The_sweep_is_wide_and_reaches_every_algorithm()
    {
        var chosen = Shapes().Select(a => ConvolutionAlgorithms.Choose(Window(a))).ToList();
        Assert.True(chosen.Count >= 40, $"{chosen.Count} shapes");
        foreach (var algorithm in new[] { ConvAlgorithmKind.Im2Col, ConvAlgorithmKind.ShiftedRows, ConvAlgorithmKind.Direct })
            Assert.Contains(algorithm, chosen);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_generator_chooses_what_the_runtime_recommends(int inChannels, int height, int width, int outChannels, int kernelHeight,
        int kernelWidth, int strideHeight, int strideWidth, int padHeight, int padWidth, int groups)
    {
        var window = new Window2D(inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, padHeight, padWidth, groups);
        var shape = new Conv2DShape(inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, padHeight, padWidth, groups);
        shape.Validate();
        Assert.Equal(shape.Recommended.ToString(), ConvolutionAlgorithms.Choose(window).ToString());
        Assert.Equal(shape.Recommended, shape.Algorithm);
    }

    [Fact]
    public void The_mirrored_enum_and_constants_match_the_runtime()
    {
        Assert.Equal(
            System.Enum.GetValues<ConvAlgorithm>().Select(v => ((int)v, v.ToString())),
            System.Enum.GetValues<ConvAlgorithmKind>().Select(v => ((int)v, v.ToString())));
        Assert.Equal(Conv2DShape.DirectMaxFiltersPerGroup, ConvolutionAlgorithms.DirectMaxFiltersPerGroup);
    }

    private const string Mixed = """
        using Compiled.Nets;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        public partial class Mixed
        {
            [Input(4, 17, 17)] public partial Layer Image { get; }
            [Conv2D(8, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Wide { get; }
            [Conv2D(8, 3, Activation.ReLU, Stride = 2, Padding = Padding.Same, Groups = 8)] public partial Layer Depthwise { get; }
            [Conv2D(8, 1)] public partial Layer Pointwise { get; }
            [SeparableConv2D(6, 3, Activation.Tanh, Padding = Padding.Same)] public partial Layer Separable { get; }
            [Conv2D(6, 3, Stride = 2)] public partial Layer Strided { get; }
            [ConvTranspose2D(3, 2, Stride = 2)] public partial Layer Up { get; }
            [Conv2D(2, 5)] public partial Layer Small { get; }
            [Dense(10, Activation.Softmax)] public partial Layer Digit { get; }
        }
        """;

    [Fact]
    public void Every_generated_conv_shape_carries_the_recommended_algorithm_and_says_it()
    {
        var result = GeneratorHarness.Run(Mixed);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string source = result.SourceFor("Demo.Mixed.g.cs");
        var shapes = Regex.Matches(source, @"Conv2DShape\((\d+), (\d+), (\d+), (\d+), (\d+), (\d+), (\d+), (\d+), (\d+), (\d+), (\d+), global::Compiled\.Nets\.CompilerServices\.ConvAlgorithm\.(\w+)\)");
        Assert.Equal(Regex.Matches(source, @"new global::Compiled\.Nets\.CompilerServices\.Conv2DShape\(").Count, shapes.Count);
        var seen = new HashSet<string>();
        foreach (Match m in shapes)
        {
            int[] n = Enumerable.Range(1, 11).Select(i => int.Parse(m.Groups[i].Value)).ToArray();
            var shape = new Conv2DShape(n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9], n[10]);
            Assert.Equal(shape.Recommended.ToString(), m.Groups[12].Value);
            seen.Add(m.Groups[12].Value);
        }
        Assert.Equal(new[] { "Direct", "Im2Col", "ShiftedRows" }, seen.OrderBy(s => s));
        int checkedCalls = 0;
        // Each call's comment says the algorithm of the shape it passes.
        string[] lines = source.Replace("\r\n", "\n").Split('\n');
        for (int i = 1; i < lines.Length; i++)
        {
            var call = Regex.Match(lines[i], @"ConvKernels\.\w+\(.*Conv2DShape\(\d+, \d+, \d+, \d+, (\d+), (\d+), (\d+), (\d+), (\d+), (\d+), \d+, global::Compiled\.Nets\.CompilerServices\.ConvAlgorithm\.(\w+)\)");
            if (!call.Success) continue;
            bool pointwise = Enumerable.Range(1, 6).Select(g => call.Groups[g].Value).SequenceEqual(new[] { "1", "1", "1", "1", "0", "0" });
            int comment = i - 1;
            while (!lines[comment].TrimStart().StartsWith("//")) comment--; // a backward op's second call shares the comment
            string expected = call.Groups[7].Value switch
            {
                "ShiftedRows" => "shifted rows of zero-bordered planes",
                "Direct" => "direct depthwise convolution",
                _ => pointwise ? "the SIMD GEMM on the input itself" : "im2col + the SIMD GEMM",
            };
            Assert.Contains(expected, lines[comment]);
            checkedCalls++;
        }
        Assert.True(checkedCalls >= 2 * 7, $"{checkedCalls} calls checked"); // each convolution's forward and backward calls
    }

    private static Window2D Window(object[] a) =>
        new((int)a[0], (int)a[1], (int)a[2], (int)a[3], (int)a[4], (int)a[5], (int)a[6], (int)a[7], (int)a[8], (int)a[9], (int)a[10]);
}
