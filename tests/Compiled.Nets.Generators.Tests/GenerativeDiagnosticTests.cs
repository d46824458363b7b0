using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

/// <summary>The sampling layer's diagnostics (CN0072) and the loss reduction's (CN0011), each at the user's line; a frozen layer is accepted.</summary>
public class GenerativeDiagnosticTests
{
    private static string Net(string layers, string network = "[Network(Loss = Loss.BinaryCrossEntropy)]") => $$"""
        using Compiled.Nets;
        {{network}}
        public partial class Net
        {
        {{layers}}
        }
        """;

    private const string Heads = "[Input(8)] public partial Layer X { get; }\n[Dense(6, Activation.Tanh)] public partial Layer H { get; }\n[Dense(2)] public partial Layer Mu { get; }\n";

    [Theory]
    [InlineData("CN0072", "Beta = -1", Heads + "[Dense(2, Input = nameof(H))] public partial Layer Lv { get; }\n[Reparameterize(nameof(Mu), nameof(Lv), Beta = -1f)] public partial Layer Z { get; } // ←\n[Dense(8, Activation.Logistic)] public partial Layer Y { get; }")]
    [InlineData("CN0072", "μ ('Mu') is [2]", Heads + "[Dense(3, Input = nameof(H))] public partial Layer Lv { get; }\n[Reparameterize(nameof(Mu), nameof(Lv))] public partial Layer Z { get; } // ←\n[Dense(8, Activation.Logistic)] public partial Layer Y { get; }")]
    [InlineData("CN0018", "'Nowhere'", Heads + "[Reparameterize(nameof(Mu), \"Nowhere\")] public partial Layer Z { get; } // ←\n[Dense(8, Activation.Logistic)] public partial Layer Y { get; }")]
    [InlineData("CN0059", "it needs a logistic layer", "[Input(8)] public partial Layer X { get; }\n[Dense(16, Activation.ReLU, SparsityWeight = 0.5f)] public partial Layer Code { get; } // ←\n[Dense(8, Activation.Logistic)] public partial Layer Y { get; }")]
    [InlineData("CN0059", "SparsityTarget = 1", "[Input(8)] public partial Layer X { get; }\n[Dense(16, Activation.Logistic, SparsityWeight = 0.5f, SparsityTarget = 1f)] public partial Layer Code { get; } // ←\n[Dense(8, Activation.Logistic)] public partial Layer Y { get; }")]
    public void Each_sampling_problem_is_reported_at_the_layer(string id, string named, string layers)
    {
        var diagnostic = DiagnosticTests.AssertReported(Net(layers), id, DiagnosticSeverity.Error);
        Assert.Contains(named, diagnostic.GetMessage());
    }

    [Fact]
    public void A_per_sample_sum_of_softmax_cross_entropy_is_refused_at_the_network()
    {
        string source = Net("[Input(4)] public partial Layer X { get; }\n[Dense(3, Activation.Softmax)] public partial Layer Y { get; }",
            "[Network(Loss = Loss.SoftmaxCrossEntropy, Reduction = LossReduction.SumPerSample)] // ←");
        var diagnostic = DiagnosticTests.AssertReported(source, "CN0011", DiagnosticSeverity.Error);
        Assert.Contains("SumPerSample", diagnostic.GetMessage());
    }

    [Fact]
    public void A_frozen_layer_and_a_summed_loss_generate_code_that_compiles()
    {
        var result = GeneratorHarness.Run(Net("[Input(4)] public partial Layer X { get; }\n[Dense(3, Activation.Tanh, Trainable = false)] public partial Layer H { get; }\n[Dense(4, Activation.Logistic)] public partial Layer Y { get; }",
            "[Network(Loss = Loss.BinaryCrossEntropy, Reduction = LossReduction.SumPerSample)]"));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Theory]
    [InlineData("CN0081", "its tanh units are differentiable", "[Input(4)] public partial Layer X { get; }\n[Dense(6)] public partial Layer Pre { get; }\n[StochasticNeuron(Activation.Tanh, Estimator = StochasticEstimator.IdentityStraightThrough)] public partial Layer U { get; } // ←\n[Dense(2, Activation.Logistic)] public partial Layer Y { get; }")]
    [InlineData("CN0082", "'Pre', which already applies ReLU", "[Input(4)] public partial Layer X { get; }\n[Dense(6, Activation.ReLU)] public partial Layer Pre { get; }\n[StochasticNeuron] public partial Layer U { get; } // ←\n[Dense(2, Activation.Logistic)] public partial Layer Y { get; }")]
    public void Stochastic_neuron_warnings_are_reported_at_the_layer_and_the_code_compiles(string id, string named, string layers)
    {
        var diagnostic = DiagnosticTests.AssertReported(Net(layers), id, DiagnosticSeverity.Warning);
        Assert.Contains(named, diagnostic.GetMessage());
        var result = GeneratorHarness.Run(Net(layers));
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Theory]
    [InlineData("CN0055", "activation = softmax", "[StochasticNeuron(Activation.Softmax)] public partial Layer U { get; } // ←\n[Dense(2, Activation.Logistic)] public partial Layer Y { get; }")]
    [InlineData("CN0050", "(StochasticEstimator)7", "[StochasticNeuron(Estimator = (StochasticEstimator)7)] public partial Layer U { get; } // ←\n[Dense(2, Activation.Logistic)] public partial Layer Y { get; }")]
    [InlineData("CN0016", "'U'", "[StochasticNeuron] public partial Layer U { get; } // ←")]
    public void Stochastic_neuron_errors_are_reported_at_the_layer(string id, string named, string layers)
    {
        var diagnostic = DiagnosticTests.AssertReported(Net("[Input(4)] public partial Layer X { get; }\n[Dense(6)] public partial Layer Pre { get; }\n" + layers), id, DiagnosticSeverity.Error);
        Assert.Contains(named, diagnostic.GetMessage());
    }
}
