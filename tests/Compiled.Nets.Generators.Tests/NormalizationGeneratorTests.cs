using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

/// <summary>
/// Local normalisation and noise layers: their diagnostics CN0069–CN0071 at the layer's line with the setting named,
/// and a snapshot of the generated C# and CUDA of a network with all four kinds.
/// </summary>
public class NormalizationGeneratorTests
{
    private static string Net(string layers) => $$"""
        using Compiled.Nets;
        [Network]
        public partial class Net
        {
        {{layers}}
        }
        """;

    [Theory]
    [InlineData("CN0069", "size = 0", "[Input(4, 5, 5)] public partial Layer X { get; }\n[LocalResponseNorm(0)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0069", "Beta = -1", "[Input(4, 5, 5)] public partial Layer X { get; }\n[LocalResponseNorm(3, Beta = -1f)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0069", "Alpha = NaN", "[Input(4, 5, 5)] public partial Layer X { get; }\n[LocalResponseNorm(3, Alpha = float.NaN)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0069", "K = 0", "[Input(4, 5, 5)] public partial Layer X { get; }\n[LocalResponseNorm(3, K = 0f)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0069", "size = 4", "[Input(4, 5, 5)] public partial Layer X { get; }\n[LocalContrastNorm(4)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0069", "Epsilon = 0", "[Input(4, 5, 5)] public partial Layer X { get; }\n[LocalContrastNorm(3, Epsilon = 0f)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0070", "[6]", "[Input(6)] public partial Layer X { get; }\n[LocalResponseNorm(3)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0070", "[6]", "[Input(6)] public partial Layer X { get; }\n[LocalContrastNorm(3)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0071", "sigma = -0.5", "[Input(6)] public partial Layer X { get; }\n[GaussianNoise(-0.5f)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0071", "sigma = Infinity", "[Input(6)] public partial Layer X { get; }\n[GaussianNoise(float.PositiveInfinity)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0071", "rate = 1", "[Input(6)] public partial Layer X { get; }\n[MaskingNoise(1f)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    public void Each_setting_problem_has_its_id_at_the_layer(string id, string named, string layers)
    {
        var diagnostic = DiagnosticTests.AssertReported(Net(layers), id, DiagnosticSeverity.Error);
        Assert.Contains(named, diagnostic.GetMessage());
    }

    [Fact]
    public void A_valid_network_compiles_without_diagnostics()
    {
        var result = GeneratorHarness.Run(Net(
            "[Input(3, 8)] public partial Layer X { get; }\n[LocalResponseNorm(2)] public partial Layer A { get; }\n[LocalContrastNorm(1)] public partial Layer B { get; }\n" +
            "[GaussianNoise(0f)] public partial Layer C { get; }\n[MaskingNoise(0f)] public partial Layer D { get; }\n[Dense(1)] public partial Layer Y { get; }"));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    private const string LocalNormCnn = """
        using Compiled.Nets;
        namespace Demo;
        [Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 3)]
        public partial class LocalNormCnn
        {
            [Input(1, 8, 8)] public partial Layer Image { get; }
            [GaussianNoise(0.1f)] public partial Layer Jitter { get; }
            [Conv2D(4, 3, Activation.ReLU)] public partial Layer Conv { get; }
            [LocalResponseNorm(3, Alpha = 1e-3f)] public partial Layer Lrn { get; }
            [LocalContrastNorm(3)] public partial Layer Lcn { get; }
            [MaskingNoise(0.2f)] public partial Layer Mask { get; }
            [MaxPool(2)] public partial Layer Pool { get; }
            [Dense(3, Activation.Softmax)] public partial Layer Output { get; }
        }
        """;

    [Fact]
    public void Local_norm_cnn_source_matches_snapshot_and_compiles()
    {
        var result = GeneratorHarness.Run(LocalNormCnn);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Snapshot.Verify(result.SourceFor("Demo.LocalNormCnn.g.cs"), "LocalNormCnn");
        Snapshot.Verify(result.SourceFor("Demo.LocalNormCnn.Cuda.g.cs"), "LocalNormCnn.Cuda");
    }
}
