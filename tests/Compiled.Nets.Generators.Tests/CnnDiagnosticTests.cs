using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

/// <summary>The CNN and graph diagnostics (CN0018–CN0024, the unpooling window's CN0077–CN0078): ID, severity, line (marked "// ←") and what the message says.</summary>
public class CnnDiagnosticTests
{
    private static Diagnostic AssertReported(string source, string id, DiagnosticSeverity severity) =>
        DiagnosticTests.AssertReported(source, id, severity);

    [Fact]
    public void CN0018_unknown_input_reference()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(1, 8, 8)] public partial Layer X { get; }
                [Conv2D(4, 3)] public partial Layer A { get; }
                [Add(nameof(A), "Missing")] public partial Layer Sum { get; } // ←
                [Dense(2)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0018", DiagnosticSeverity.Error);
        Assert.Contains("'Missing', which is not a layer of network 'Net'", d.GetMessage());
    }

    [Fact]
    public void CN0018_unpooling_needs_a_max_pooling_layer()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(1, 8, 8)] public partial Layer X { get; }
                [AvgPool(2)] public partial Layer Pool { get; }
                [MaxUnpool(nameof(Pool))] public partial Layer Up { get; } // ←
                [Dense(2)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0018", DiagnosticSeverity.Error);
        Assert.Contains("switches of a MaxPool layer", d.GetMessage());
    }

    [Fact]
    public void CN0077_unpooling_window_restated_differently_from_its_pooling()
    {
        const string source = """
            using Compiled.Nets;
            [Network(Loss = Loss.MeanSquaredError)]
            public partial class Net
            {
                [Input(2, 8, 8)] public partial Layer X { get; }
                [MaxPool(2)] public partial Layer Pool { get; }
                [Conv2D(2, 3, Padding = Padding.Same)] public partial Layer Mix { get; }
                [MaxUnpool(nameof(Pool), Size = 3, Stride = 2)] public partial Layer Up { get; } // ←
                [Conv2D(1, 1)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0077", DiagnosticSeverity.Error);
        Assert.Contains("Layer 'Up' has Size = 3, Stride = 2, but 'Pool' pools 2×2 windows with stride 2 and padding 0", d.GetMessage());
        Assert.Contains("write Size = 2, Stride = 2", d.GetMessage());
    }

    [Fact]
    public void CN0077_unpooling_padding_of_a_1d_pooling()
    {
        const string source = """
            using Compiled.Nets;
            [Network(Loss = Loss.MeanSquaredError)]
            public partial class Net
            {
                [Input(2, 10)] public partial Layer X { get; }
                [MaxPool(2, PaddingSize = 1)] public partial Layer Pool { get; }
                [MaxUnpool(nameof(Pool), PaddingSize = 0)] public partial Layer Up { get; } // ←
                [Conv1D(1, 1)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0077", DiagnosticSeverity.Error);
        Assert.Contains("has PaddingSize = 0, but 'Pool' pools windows of 2 with stride 2 and padding 1", d.GetMessage());
        Assert.Contains("Size = 2, Stride = 2, PaddingSize = 1", d.GetMessage());
    }

    [Fact]
    public void Unpooling_window_restated_as_its_pooling_s_is_accepted()
    {
        const string source = """
            using Compiled.Nets;
            [Network(Loss = Loss.MeanSquaredError)]
            public partial class Net
            {
                [Input(2, 8, 8)] public partial Layer X { get; }
                [MaxPool(2)] public partial Layer Pool { get; }
                [MaxUnpool(nameof(Pool), Size = 2, Stride = 2, PaddingSize = 0)] public partial Layer Up { get; }
                [Conv2D(1, 1)] public partial Layer Y { get; }
            }
            """;
        var result = GeneratorHarness.Run(source);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void CN0078_unpooling_overlapping_windows_warns_and_still_generates()
    {
        const string source = """
            using Compiled.Nets;
            [Network(Loss = Loss.MeanSquaredError)]
            public partial class Net
            {
                [Input(2, 9, 9)] public partial Layer X { get; }
                [MaxPool(3, Stride = 2)] public partial Layer Pool { get; }
                [MaxUnpool(nameof(Pool))] public partial Layer Up { get; } // ←
                [Conv2D(1, 1)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0078", DiagnosticSeverity.Warning);
        Assert.Contains("'Pool', whose 3×3 windows overlap (stride 2)", d.GetMessage());
        Assert.Contains("Stride = 3", d.GetMessage());
        var result = GeneratorHarness.Run(source);
        Assert.Contains(result.Run.GeneratedSources, s => s.HintName == "Net.g.cs");
        Assert.Empty(result.CompilationDiagnostics.Where(e => e.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void CN0019_cyclic_input_reference()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(4)] public partial Layer X { get; }
                [Dense(4, Input = nameof(B))] public partial Layer A { get; } // ←
                [Dense(4)] public partial Layer B { get; }
                [Dense(2)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0019", DiagnosticSeverity.Error);
        Assert.Contains("(A → B → A, each reading the next)", d.GetMessage());
    }

    [Fact]
    public void Graph_declared_out_of_order_is_ordered_at_compile_time()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(4)] public partial Layer X { get; }
                [Dense(4, Input = nameof(B))] public partial Layer A { get; }
                [Dense(4, Input = nameof(X))] public partial Layer B { get; }
                [Dense(2, Input = nameof(A))] public partial Layer Y { get; }
            }
            """;
        var result = GeneratorHarness.Run(source);
        Assert.Empty(result.GeneratorDiagnostics);
        string code = Assert.Single(result.Run.GeneratedSources, s => s.HintName.Contains("Net") && !s.HintName.EndsWith(".Cuda.g.cs", System.StringComparison.Ordinal)).SourceText.ToString();
        Assert.True(code.IndexOf("// B: dense") < code.IndexOf("// A: dense"), "B runs before A, which reads it");
    }

    [Fact]
    public void CN0020_kernel_larger_than_padded_input()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(1, 6, 6)] public partial Layer X { get; }
                [Conv2D(4, 3)] public partial Layer A { get; }
                [Conv2D(4, 5)] public partial Layer B { get; } // ←
                [Dense(2)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0020", DiagnosticSeverity.Error);
        Assert.Contains("5×5 kernel is larger than its padded input 4×4", d.GetMessage());
    }

    [Fact]
    public void CN0021_stride_that_does_not_fit_shows_N_F_P_S_and_sizes_that_fit()
    {
        // The course's example: a 3×3 kernel on a 7×7 input with stride 3.
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(1, 7, 7)] public partial Layer X { get; }
                [Conv2D(2, 3, Stride = 3)] public partial Layer A { get; } // ←
                [Dense(2)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0021", DiagnosticSeverity.Warning);
        string message = d.GetMessage();
        Assert.Contains("(7 − 3 + 2·0) / 3", message);
        Assert.Contains("input 6 or 9", message);
        Assert.Contains("padding 1", message);
    }

    [Fact]
    public void CN0022_add_of_differently_shaped_inputs()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(1, 8, 8)] public partial Layer X { get; }
                [Conv2D(4, 3, Padding = Padding.Same)] public partial Layer A { get; }
                [Conv2D(4, 3)] public partial Layer B { get; }
                [Add(nameof(A), nameof(B))] public partial Layer Sum { get; } // ←
                [Dense(2)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0022", DiagnosticSeverity.Error);
        Assert.Contains("'A' of shape [4, 8, 8] and 'B' of shape [4, 6, 6]", d.GetMessage());
    }

    [Fact]
    public void CN0023_layer_whose_output_would_be_empty()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2, 2, 2)] public partial Layer X { get; }
                [ConvTranspose2D(1, 2, PaddingSize = 2)] public partial Layer Up { get; } // ←
                [Dense(2)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0023", DiagnosticSeverity.Error);
        Assert.Contains("holds no values", d.GetMessage());
    }

    [Fact]
    public void CN0023_convolution_without_filters()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(1, 8, 8)] public partial Layer X { get; }
                [Conv2D(0, 3)] public partial Layer A { get; } // ←
                [Dense(2)] public partial Layer Y { get; }
            }
            """;
        AssertReported(source, "CN0023", DiagnosticSeverity.Error);
    }

    [Fact]
    public void CN0024_convolution_on_a_flat_input()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(784)] public partial Layer X { get; }
                [Conv2D(6, 5)] public partial Layer A { get; } // ←
                [Dense(2)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0024", DiagnosticSeverity.Error);
        Assert.Contains("[Input(channels, height, width)]", d.GetMessage());
    }

    [Fact]
    public void CN0024_concat_of_maps_with_different_sizes()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(1, 8, 8)] public partial Layer X { get; }
                [Conv2D(4, 3, Padding = Padding.Same)] public partial Layer A { get; }
                [MaxPool(2)] public partial Layer B { get; }
                [Concat(nameof(A), nameof(B))] public partial Layer Join { get; } // ←
                [Dense(2)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0024", DiagnosticSeverity.Error);
        Assert.Contains("along the channels", d.GetMessage());
    }

    [Fact]
    public void CN0058_groups_that_do_not_divide_the_channels()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(3, 8, 8)] public partial Layer X { get; }
                [Conv2D(4, 3, Groups = 2)] public partial Layer A { get; } // ←
                [Dense(2)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0058", DiagnosticSeverity.Error);
        Assert.Contains("Groups = 2", d.GetMessage());
    }

    [Theory]
    [InlineData("[Conv2D(4, ")]
    [InlineData("[Conv2D(4, 3, Stride = )]")]
    [InlineData("[Add(nameof(A), ")]
    [InlineData("[MaxUnpool(nameof())]")]
    [InlineData("[Concat()]")]
    [InlineData("[MaxPool(2, PaddingSize = 5)]")]
    [InlineData("[Conv1D(2, 3)]")]
    [InlineData("[SeparableConv2D(4, 9)]")]
    public void Half_typed_cnn_layers_never_crash_the_generator(string attribute)
    {
        string source = $$"""
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2, 6, 6)] public partial Layer X { get; }
                [Conv2D(4, 3)] public partial Layer A { get; }
                {{attribute}} public partial Layer B { get; }
                [Dense(2)] public partial Layer Y { get; }
            }
            """;
        var result = GeneratorHarness.Run(source);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id == "CN9999");
        Assert.Null(result.Run.Exception); // the harness also throws when the generator does
    }
}
