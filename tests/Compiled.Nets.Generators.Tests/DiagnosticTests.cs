using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

/// <summary>One test per diagnostic: its ID, severity and the line of the attribute it points at (marked "// ←").</summary>
public class DiagnosticTests
{
    /// <summary>Exactly one <paramref name="id"/> diagnostic, of that severity, on the line marked "// ←"; errors emit no network code for the class (at most a stub).</summary>
    internal static Diagnostic AssertReported(string source, string id, DiagnosticSeverity severity)
    {
        var result = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(result.GeneratorDiagnostics, d => d.Id == id);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal(GeneratorHarness.LineOf(source, "// ←"), diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.False(string.IsNullOrWhiteSpace(diagnostic.GetMessage()));
        Assert.NotNull(diagnostic.Descriptor.HelpLinkUri);
        if (severity == DiagnosticSeverity.Error)
            Assert.DoesNotContain(result.Run.GeneratedSources, s => s.HintName.Contains("Net") && !s.HintName.EndsWith(".stub.g.cs", System.StringComparison.Ordinal));
        return diagnostic;
    }

    [Fact]
    public void CN0001_class_not_partial()
    {
        const string source = """
            using Compiled.Nets;
            [Network] // ←
            public class Net
            {
                [Input(2)] public Layer X { get; }
                [Dense(1)] public Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0001", DiagnosticSeverity.Error);
        Assert.Contains("'Net' must be declared partial", d.GetMessage());
    }

    [Fact]
    public void CN0001_containing_type_not_partial()
    {
        const string source = """
            using Compiled.Nets;
            public class Outer
            {
                [Network] // ←
                public partial class Net
                {
                    [Input(2)] public partial Layer X { get; }
                    [Dense(1)] public partial Layer Y { get; }
                }
            }
            """;
        var d = AssertReported(source, "CN0001", DiagnosticSeverity.Error);
        Assert.Contains("'Outer'", d.GetMessage());
    }

    [Fact]
    public void CN0002_no_input_layer()
    {
        const string source = """
            using Compiled.Nets;
            [Network] // ←
            public partial class Net
            {
                [Dense(4)] public partial Layer Hidden { get; }
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        AssertReported(source, "CN0002", DiagnosticSeverity.Error);
    }

    [Fact]
    public void CN0003_non_positive_units()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(0, Activation.Tanh)] public partial Layer Hidden { get; } // ←
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0003", DiagnosticSeverity.Error);
        Assert.Contains("units = 0", d.GetMessage());
    }

    [Fact]
    public void CN0003_non_positive_input_size()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(-3)] public partial Layer X { get; } // ←
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0003", DiagnosticSeverity.Error);
        Assert.Contains("size = -3", d.GetMessage());
    }

    [Fact]
    public void CN0004_heaviside_in_gradient_descent()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1, Activation.Heaviside)] public partial Layer Y { get; } // ←
            }
            """;
        var d = AssertReported(source, "CN0004", DiagnosticSeverity.Error);
        Assert.Contains("perceptron rule", d.GetMessage());
    }

    [Fact]
    public void CN0004_sign_in_hidden_layer()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(3, Activation.Sign)] public partial Layer Hidden { get; } // ←
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        AssertReported(source, "CN0004", DiagnosticSeverity.Error);
    }

    [Fact]
    public void CN0005_mismatched_output_and_loss_is_a_warning_and_still_generates()
    {
        const string source = """
            using Compiled.Nets;
            [Network(Loss = Loss.MeanSquaredError)]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1, Activation.Logistic)] public partial Layer Y { get; } // ←
            }
            """;
        var d = AssertReported(source, "CN0005", DiagnosticSeverity.Warning);
        Assert.Contains("logistic activation with the mean squared error loss", d.GetMessage());
        Assert.Equal(2, GeneratorHarness.Run(source).Run.GeneratedSources.Length); // the network and its CUDA part
    }

    [Fact]
    public void CN0005_not_reported_for_matched_pairs()
    {
        const string source = """
            using Compiled.Nets;
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            public partial class A { [Input(2)] partial Layer X { get; } [Dense(3, Activation.Softmax)] partial Layer Y { get; } }
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            public partial class B { [Input(2)] partial Layer X { get; } [Dense(3)] partial Layer Logits { get; } }
            [Network(Loss = Loss.BinaryCrossEntropy)]
            public partial class C { [Input(2)] partial Layer X { get; } [Dense(1, Activation.Logistic)] partial Layer Y { get; } }
            [Network(Loss = Loss.MeanSquaredError)]
            public partial class D { [Input(2)] partial Layer X { get; } [Dense(1)] partial Layer Y { get; } }
            """;
        var result = GeneratorHarness.Run(source);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Equal(8, result.Run.GeneratedSources.Length); // each network and its CUDA part
    }

    [Fact]
    public void CN0006_softmax_on_hidden_layer()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(3, Activation.Softmax)] public partial Layer Hidden { get; } // ←
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        AssertReported(source, "CN0006", DiagnosticSeverity.Warning);
    }

    [Fact]
    public void CN0007_input_not_first()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Dense(4)] public partial Layer Hidden { get; }
                [Input(2)] public partial Layer X { get; } // ←
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        AssertReported(source, "CN0007", DiagnosticSeverity.Error);
    }

    [Fact]
    public void CN0008_perceptron_with_two_layers()
    {
        const string source = """
            using Compiled.Nets;
            [Network(Training = TrainingRule.Perceptron)]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(3, Activation.Sign)] public partial Layer Hidden { get; }
                [Dense(1, Activation.Sign)] public partial Layer Y { get; } // ←
            }
            """;
        var d = AssertReported(source, "CN0008", DiagnosticSeverity.Error);
        Assert.Contains("2 layers after the input", d.GetMessage());
    }

    [Fact]
    public void CN0009_negative_logistic_slope()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1, Activation.Logistic, Slope = -2f)] public partial Layer Y { get; } // ←
            }
            """;
        AssertReported(source, "CN0009", DiagnosticSeverity.Error);
    }

    [Fact]
    public void CN0010_no_layers_after_input()
    {
        const string source = """
            using Compiled.Nets;
            [Network] // ←
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
            }
            """;
        AssertReported(source, "CN0010", DiagnosticSeverity.Error);
    }

    [Fact]
    public void CN0011_non_positive_learning_rate()
    {
        const string source = """
            using Compiled.Nets;
            [Network(LearningRate = 0f)] // ←
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0011", DiagnosticSeverity.Error);
        Assert.Contains("LearningRate = 0", d.GetMessage());
    }

    [Fact]
    public void CN0012_layer_property_not_partial()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1)] public Layer Y { get; } // ←
            }
            """;
        AssertReported(source, "CN0012", DiagnosticSeverity.Warning);
    }

    [Fact]
    public void CN0013_generic_network()
    {
        const string source = """
            using Compiled.Nets;
            [Network] // ←
            public partial class Net<T>
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        AssertReported(source, "CN0013", DiagnosticSeverity.Error);
    }

    [Fact]
    public void CN0014_layer_property_of_wrong_type()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1)] public int Y { get; } // ←
            }
            """;
        AssertReported(source, "CN0014", DiagnosticSeverity.Error);
    }

    [Fact]
    public void CN0015_slope_on_activation_without_one()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1, Activation.Tanh, Slope = 2f)] public partial Layer Y { get; } // ←
            }
            """;
        AssertReported(source, "CN0015", DiagnosticSeverity.Warning);
    }

    [Fact]
    public void CN0016_output_layer_not_dense()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(3)] public partial Layer Hidden { get; }
                [Dropout(0.5f)] public partial Layer Drop { get; } // ←
            }
            """;
        var d = AssertReported(source, "CN0016", DiagnosticSeverity.Error);
        Assert.Contains("Dropout layer", d.GetMessage());
    }

    [Fact]
    public void CN0053_dropout_rate_out_of_range()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dropout(1.5f)] public partial Layer Drop { get; } // ←
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        var d = AssertReported(source, "CN0053", DiagnosticSeverity.Error);
        Assert.Contains("rate = 1.5", d.GetMessage());
    }

    [Fact]
    public void CN0059_negative_layer_penalty()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1, L2 = -0.1f)] public partial Layer Y { get; } // ←
            }
            """;
        AssertReported(source, "CN0059", DiagnosticSeverity.Error);
    }

    [Fact]
    public void CN0054_batchnorm_momentum_out_of_range()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [BatchNorm(Momentum = 0f)] public partial Layer Norm { get; } // ←
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        AssertReported(source, "CN0054", DiagnosticSeverity.Error);
    }

    [Fact]
    public void CN0011_negative_network_penalty()
    {
        const string source = """
            using Compiled.Nets;
            [Network(L1 = -1f)] // ←
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        AssertReported(source, "CN0011", DiagnosticSeverity.Error);
    }

    [Fact]
    public void Every_descriptor_is_catalogued_in_docs()
    {
        string docs = System.IO.File.ReadAllText(System.IO.Path.Combine(GeneratorHarness.RepositoryRoot(), "docs", "diagnostics.md"));
        var ids = typeof(DiagnosticDescriptors).GetFields()
            .Select(f => f.GetValue(null)).OfType<DiagnosticDescriptor>().Select(d => d.Id).ToList();
        Assert.True(ids.Count >= 15);
        foreach (string id in ids) Assert.Contains("## " + id, docs);
    }
}
