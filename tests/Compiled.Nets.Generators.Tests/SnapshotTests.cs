using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

public class SnapshotTests
{
    private const string Xor = """
        using Compiled.Nets;

        namespace Demo;

        [Network(Loss = Loss.BinaryCrossEntropy, LearningRate = 0.5f)]
        public partial class Xor
        {
            [Input(2)] public partial Layer X { get; }
            [Dense(4, Activation.Tanh)] public partial Layer Hidden { get; }
            [Dense(1, Activation.Logistic)] public partial Layer Y { get; }
        }
        """;

    private const string Mlp = """
        using Compiled.Nets;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 7)]
        public partial class Mlp
        {
            [Input(784)] public partial Layer Image { get; }
            [Dense(128, Activation.ReLU)] public partial Layer Hidden1 { get; }
            [Dense(64, Activation.ReLU)] public partial Layer Hidden2 { get; }
            [Dense(10, Activation.Softmax)] public partial Layer Probabilities { get; }
        }
        """;

    private const string ResidualCnn = """
        using Compiled.Nets;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        public partial class ResidualCnn
        {
            [Input(1, 8, 8)] public partial Layer Image { get; }
            [Conv2D(4, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Stem { get; }
            [Conv2D(4, 3, Padding = Padding.Same)] public partial Layer Block { get; }
            [Add(nameof(Stem), nameof(Block), Activation = Activation.ReLU)] public partial Layer Residual { get; }
            [MaxPool(2)] public partial Layer Pool { get; }
            [Dense(10, Activation.Softmax)] public partial Layer Digit { get; }
        }
        """;

    /// <summary>The dense families beyond Dense (BatchNorm, Dropout, PReLU, Maxout) and Plan v2's tied weights and activity penalty.</summary>
    private const string SparseTiedAutoencoder = """
        using Compiled.Nets;

        namespace Demo;

        [Network(Loss = Loss.BinaryCrossEntropy)]
        public partial class SparseTiedAutoencoder
        {
            [Input(12)] public partial Layer Pixels { get; }
            [Dense(6, Activation.Tanh)] public partial Layer Encoder { get; }
            [BatchNorm(Activation.ReLU, ActivityL1 = 0.01f)] public partial Layer Code { get; }
            [Dropout(0.2f)] public partial Layer Drop { get; }
            [PReLU] public partial Layer Leak { get; }
            [Maxout(6, 2)] public partial Layer Mix { get; }
            [Dense(12, Activation.Logistic, TiedTo = nameof(Encoder))] public partial Layer Decoder { get; }
        }
        """;

    /// <summary>The stochastic family: binary units with the straight-through gradient, noisy tanh units.</summary>
    private const string StochasticUnits = """
        using Compiled.Nets;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        public partial class StochasticUnits
        {
            [Input(6)] public partial Layer X { get; }
            [Dense(8)] public partial Layer Pre { get; }
            [StochasticNeuron] public partial Layer Binary { get; }
            [Dense(4)] public partial Layer Pre2 { get; }
            [StochasticNeuron(Activation.Tanh)] public partial Layer Noisy { get; }
            [Dense(3, Activation.Softmax)] public partial Layer Out { get; }
        }
        """;

    /// <summary>The sampling family: a VAE's two heads, the reparameterisation and its KL term, a per-sample summed loss, a frozen layer.</summary>
    private const string Vae = """
        using Compiled.Nets;

        namespace Demo;

        [Network(Loss = Loss.BinaryCrossEntropy, Reduction = LossReduction.SumPerSample)]
        public partial class Vae
        {
            [Input(8)] public partial Layer Pixels { get; }
            [Dense(6, Activation.ReLU, Trainable = false)] public partial Layer Hidden { get; }
            [Dense(2)] public partial Layer Mu { get; }
            [Dense(2, Input = nameof(Hidden))] public partial Layer LogVar { get; }
            [Reparameterize(nameof(Mu), nameof(LogVar), Beta = 0.5f)] public partial Layer Z { get; }
            [Dense(6, Activation.ReLU)] public partial Layer Up { get; }
            [Dense(8, Activation.Logistic)] public partial Layer Reconstruction { get; }
        }
        """;

    /// <summary>The recurrent family: a per-step Dense, the three cells stacked (one with peepholes, one leaky), many-to-one.</summary>
    private const string RecurrentStack = """
        using Compiled.Nets;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        public partial class RecurrentStack
        {
            [SequenceInput(12, 3)] public partial Layer Signal { get; }
            [Dense(8, Activation.Tanh)] public partial Layer Embed { get; }
            [Lstm(16, Peephole = true, ReturnSequences = true)] public partial Layer Lower { get; }
            [Gru(8, ReturnSequences = true)] public partial Layer Middle { get; }
            [SimpleRnn(6, Leak = 0.5f)] public partial Layer Upper { get; }
            [Dense(3, Activation.Softmax)] public partial Layer Class { get; }
        }
        """;

    /// <summary>A character model: token ids, an embedding, a stateful LSTM (truncated BPTT), a per-step softmax; it gets Generate.</summary>
    private const string CharModel = """
        using Compiled.Nets;

        namespace Demo;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        public partial class CharModel
        {
            [TokenInput(16)] public partial Layer Text { get; }
            [Embedding(30, 8)] public partial Layer Embed { get; }
            [Lstm(12, ReturnSequences = true, Stateful = true)] public partial Layer State { get; }
            [Dense(30, Activation.Softmax)] public partial Layer Next { get; }
        }
        """;

    [Fact]
    public void Char_model_source_matches_snapshot_and_compiles()
    {
        var result = GeneratorHarness.Run(CharModel);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Snapshot.Verify(result.SourceFor("Demo.CharModel.g.cs"), "CharModel");
    }

    [Fact]
    public void Recurrent_stack_source_matches_snapshot_and_compiles()
    {
        var result = GeneratorHarness.Run(RecurrentStack);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Snapshot.Verify(result.SourceFor("Demo.RecurrentStack.g.cs"), "RecurrentStack");
        Snapshot.Verify(result.SourceFor("Demo.RecurrentStack.Cuda.g.cs"), "RecurrentStack.Cuda");
    }

    [Fact]
    public void Sparse_tied_autoencoder_source_matches_snapshot_and_compiles()
    {
        var result = GeneratorHarness.Run(SparseTiedAutoencoder);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Snapshot.Verify(result.SourceFor("Demo.SparseTiedAutoencoder.g.cs"), "SparseTiedAutoencoder");
    }

    [Fact]
    public void Stochastic_units_source_matches_snapshot_and_compiles()
    {
        var result = GeneratorHarness.Run(StochasticUnits);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Snapshot.Verify(result.SourceFor("Demo.StochasticUnits.g.cs"), "StochasticUnits");
        Snapshot.Verify(result.SourceFor("Demo.StochasticUnits.Cuda.g.cs"), "StochasticUnits.Cuda");
    }

    [Fact]
    public void Vae_source_matches_snapshot_and_compiles()
    {
        var result = GeneratorHarness.Run(Vae);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Snapshot.Verify(result.SourceFor("Demo.Vae.g.cs"), "Vae");
    }

    [Fact]
    public void Residual_cnn_source_matches_snapshot_and_compiles()
    {
        var result = GeneratorHarness.Run(ResidualCnn);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Snapshot.Verify(result.SourceFor("Demo.ResidualCnn.g.cs"), "ResidualCnn");
    }

    [Fact]
    public void Xor_network_source_matches_snapshot_and_compiles()
    {
        var result = GeneratorHarness.Run(Xor);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Snapshot.Verify(result.SourceFor("Demo.Xor.g.cs"), "Xor");
    }

    [Fact]
    public void Mlp_784_128_64_10_source_matches_snapshot_and_compiles()
    {
        var result = GeneratorHarness.Run(Mlp);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Snapshot.Verify(result.SourceFor("Demo.Mlp.g.cs"), "Mlp");
        Snapshot.Verify(result.SourceFor("Demo.Mlp.Cuda.g.cs"), "Mlp.Cuda");
    }

    [Fact]
    public void Emission_is_deterministic()
    {
        string first = GeneratorHarness.Run(Mlp).SourceFor("Demo.Mlp.g.cs");
        string second = GeneratorHarness.Run(Mlp).SourceFor("Demo.Mlp.g.cs");
        Assert.Equal(first, second);
    }

    [Fact]
    public void Nested_types_in_a_global_namespace_get_their_containing_declarations()
    {
        const string source = """
            using Compiled.Nets;
            public static partial class Outer
            {
                [Network]
                internal partial class Inner
                {
                    [Input(3)] partial Layer X { get; }
                    [Dense(2)] partial Layer Y { get; }
                }
            }
            """;
        var result = GeneratorHarness.Run(source);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Contains("partial class Outer", result.SourceFor("Outer.Inner.g.cs"));
    }
}
