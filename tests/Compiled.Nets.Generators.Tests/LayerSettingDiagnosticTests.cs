using Microsoft.CodeAnalysis;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

/// <summary>
/// The layer-setting diagnostics CN0050–CN0061 (CN0017 "invalid layer setting" split by what is wrong), each at the
/// line of the layer that has the setting, with the setting named in the message.
/// </summary>
public class LayerSettingDiagnosticTests
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
    [InlineData("CN0050", "(Activation)99", "[Input(2)] public partial Layer X { get; }\n[Dense(4, (Activation)99)] public partial Layer H { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0050", "(Initialization)42", "[Input(2)] public partial Layer X { get; }\n[Dense(1, Initialization = (Initialization)42)] public partial Layer Y { get; } // ←")]
    [InlineData("CN0050", "(Padding)7", "[Input(1, 8, 8)] public partial Layer X { get; }\n[Conv2D(2, 3, Padding = (Padding)7)] public partial Layer C { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0050", "(Activation)12", "[Input(4)] public partial Layer X { get; }\n[BatchNorm((Activation)12)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0050", "(Initialization)9", "[Input(4)] public partial Layer X { get; }\n[Maxout(2, 2, Initialization = (Initialization)9)] public partial Layer M { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0051", "shape = [1, 2, 3, 4]", "[Input(1, 2, 3, 4)] public partial Layer X { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0052", "inputs = 1", "[Input(4)] public partial Layer X { get; }\n[Dense(4)] public partial Layer A { get; }\n[Add(nameof(A))] public partial Layer S { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0053", "rate = NaN", "[Input(2)] public partial Layer X { get; }\n[Dropout(float.NaN)] public partial Layer D { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0054", "Epsilon = -1", "[Input(2)] public partial Layer X { get; }\n[BatchNorm(Epsilon = -1f)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0055", "activation = softmax", "[Input(1, 8, 8)] public partial Layer X { get; }\n[Conv2D(2, 3, Activation.Softmax)] public partial Layer C { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0055", "activation = logistic", "[Input(2)] public partial Layer X { get; }\n[BatchNorm(Activation.Logistic)] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0056", "pieces = 1", "[Input(4)] public partial Layer X { get; }\n[Maxout(3, 1)] public partial Layer M { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0057", "PaddingSize = -3", "[Input(1, 8, 8)] public partial Layer X { get; }\n[Conv2D(2, 3, PaddingSize = -3)] public partial Layer C { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0057", "OutputPadding = 2", "[Input(1, 4, 4)] public partial Layer X { get; }\n[ConvTranspose2D(2, 3, Stride = 2, OutputPadding = 2)] public partial Layer C { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0058", "Groups = 0", "[Input(2, 8, 8)] public partial Layer X { get; }\n[Conv2D(2, 3, Groups = 0)] public partial Layer C { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0059", "L1 = -1", "[Input(2)] public partial Layer X { get; }\n[Dense(1, L1 = -1f)] public partial Layer Y { get; } // ←")]
    [InlineData("CN0060", "InitialSlope = Infinity", "[Input(2)] public partial Layer X { get; }\n[PReLU(InitialSlope = float.PositiveInfinity)] public partial Layer P { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0061", "BiasInitialValue = NaN", "[Input(2)] public partial Layer X { get; }\n[Dense(1, BiasInitialValue = float.NaN)] public partial Layer Y { get; } // ←")]
    public void Each_layer_setting_problem_has_its_own_id_at_the_layer(string id, string named, string layers)
    {
        var diagnostic = DiagnosticTests.AssertReported(Net(layers), id, DiagnosticSeverity.Error);
        Assert.Contains(named, diagnostic.GetMessage());
    }

    [Fact]
    public void Independent_errors_of_one_network_are_reported_in_one_build()
    {
        var result = GeneratorHarness.Run(Net(
            "[Input(2)] public partial Layer X { get; }\n[Dropout(2f)] public partial Layer D { get; }\n" +
            "[Dense(3, L2 = -1f)] public partial Layer H { get; }\n[BatchNorm(Momentum = 5f)] public partial Layer N { get; }\n[Dense(1)] public partial Layer Y { get; }"));
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == "CN0053");
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == "CN0059");
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == "CN0054");
    }

    [Fact]
    public void A_network_setting_error_does_not_hide_the_layers_errors()
    {
        var result = GeneratorHarness.Run("""
            using Compiled.Nets;
            [Network(LearningRate = -1f)]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dropout(2f)] public partial Layer D { get; }
                [Dense(1)] public partial Layer Y { get; }
            }
            """);
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == "CN0011");
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == "CN0053");
    }
}
