using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

/// <summary>The recurrent layers' diagnostics (CN0063–CN0066, and CN0003 for sizes), each at the user's line.</summary>
public class RecurrentDiagnosticTests
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
    [InlineData("CN0063", "'X', whose output [8] is not a sequence", "[Input(8)] public partial Layer X { get; }\n[Lstm(4)] public partial Layer L { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0063", "'Last', whose output [4] is not a sequence", "[SequenceInput(5, 2)] public partial Layer X { get; }\n[Gru(4)] public partial Layer Last { get; }\n[Lstm(3)] public partial Layer L { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0063", "'C', whose output [2, 6] is not a sequence", "[Input(1, 8)] public partial Layer X { get; }\n[Conv1D(2, 3)] public partial Layer C { get; }\n[SimpleRnn(4)] public partial Layer R { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0065", "reads the sequence 'X' [5, 2]", "[SequenceInput(5, 2)] public partial Layer X { get; }\n[BatchNorm] public partial Layer N { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0065", "a Conv1D layer does not run per step", "[SequenceInput(5, 2)] public partial Layer X { get; }\n[Conv1D(2, 3)] public partial Layer C { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0066", "Leak = 1.5", "[SequenceInput(5, 2)] public partial Layer X { get; }\n[SimpleRnn(4, Leak = 1.5f)] public partial Layer R { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0066", "activation = logistic", "[SequenceInput(5, 2)] public partial Layer X { get; }\n[SimpleRnn(4, Activation.Logistic)] public partial Layer R { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0003", "length = 0", "[SequenceInput(0, 2)] public partial Layer X { get; } // ←\n[Lstm(4)] public partial Layer L { get; }\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0003", "features = -3", "[SequenceInput(4, -3)] public partial Layer X { get; } // ←\n[Lstm(4)] public partial Layer L { get; }\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0066", "'C' has 5 outputs; the initial state is h₀ [4] or h₀ and c₀ [8]", "[SequenceInput(5, 2)] public partial Layer X { get; }\n[Gru(4)] public partial Layer E { get; }\n[Dense(5)] public partial Layer C { get; }\n[Lstm(4, Input = nameof(X), InitialState = nameof(C))] public partial Layer L { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0066", "give the initial state or carry it, not both", "[SequenceInput(5, 2)] public partial Layer X { get; }\n[Gru(4)] public partial Layer E { get; }\n[Gru(4, Input = nameof(X), InitialState = nameof(E), Stateful = true)] public partial Layer L { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0018", "'Nowhere'", "[SequenceInput(5, 2)] public partial Layer X { get; }\n[Gru(4, InitialState = \"Nowhere\")] public partial Layer L { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0067", "'X', whose output [5, 2] is not token ids", "[SequenceInput(5, 2)] public partial Layer X { get; }\n[Embedding(10, 4)] public partial Layer E { get; } // ←\n[Lstm(3)] public partial Layer L { get; }\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0068", "reads the token ids of 'T'", "[TokenInput(5)] public partial Layer T { get; }\n[Lstm(3)] public partial Layer L { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0068", "Layer 'D' (Dense)", "[TokenInput(5)] public partial Layer T { get; }\n[Dense(3)] public partial Layer D { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0003", "vocabulary = 0", "[TokenInput(5)] public partial Layer T { get; }\n[Embedding(0, 4)] public partial Layer E { get; } // ←\n[Lstm(3)] public partial Layer L { get; }\n[Dense(1)] public partial Layer Y { get; }")]
    [InlineData("CN0003", "hidden size = 0", "[SequenceInput(4, 3)] public partial Layer X { get; }\n[Gru(0)] public partial Layer G { get; } // ←\n[Dense(1)] public partial Layer Y { get; }")]
    public void Each_recurrent_problem_is_reported_at_the_layer(string id, string named, string layers)
    {
        var diagnostic = DiagnosticTests.AssertReported(Net(layers), id, DiagnosticSeverity.Error);
        Assert.Contains(named, diagnostic.GetMessage());
    }

    [Fact]
    public void A_simple_rnn_over_a_long_sequence_warns_and_names_the_length_and_the_gated_cells()
    {
        var diagnostic = DiagnosticTests.AssertReported(Net(
            "[SequenceInput(100, 2)] public partial Layer X { get; }\n[SimpleRnn(8)] public partial Layer R { get; } // ←\n[Dense(1)] public partial Layer Y { get; }"),
            "CN0064", DiagnosticSeverity.Warning);
        Assert.Contains("100 steps", diagnostic.GetMessage());
        Assert.Contains("Lstm", diagnostic.GetMessage());
        Assert.Contains("Gru", diagnostic.GetMessage());
    }

    [Fact]
    public void A_gated_cell_or_a_short_simple_rnn_gets_no_warning()
    {
        foreach (string layer in new[] { "[Lstm(8)]", "[Gru(8)]" })
        {
            var result = GeneratorHarness.Run(Net($"[SequenceInput(100, 2)] public partial Layer X {{ get; }}\n{layer} public partial Layer R {{ get; }}\n[Dense(1)] public partial Layer Y {{ get; }}"));
            Assert.Empty(result.GeneratorDiagnostics);
        }
        var shortRnn = GeneratorHarness.Run(Net("[SequenceInput(20, 2)] public partial Layer X { get; }\n[SimpleRnn(8)] public partial Layer R { get; }\n[Dense(1)] public partial Layer Y { get; }"));
        Assert.Empty(shortRnn.GeneratorDiagnostics);
    }

    [Fact]
    public void A_dense_layer_on_a_sequence_applies_per_step_and_a_flatten_makes_it_one_vector()
    {
        var perStep = GeneratorHarness.Run(Net("[SequenceInput(6, 3)] public partial Layer X { get; }\n[Lstm(4, ReturnSequences = true)] public partial Layer L { get; }\n[Dense(2)] public partial Layer Y { get; }"));
        Assert.Empty(perStep.GeneratorDiagnostics);
        Assert.Empty(perStep.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string source = perStep.SourceFor("Net.g.cs");
        Assert.Matches(@"Y \(Dense\) +\[6, 2\]", source);
        Assert.Contains("dense 4 → 2; ", source.Replace(", linear; ", "; "));

        var flat = GeneratorHarness.Run(Net("[SequenceInput(6, 3)] public partial Layer X { get; }\n[Lstm(4, ReturnSequences = true)] public partial Layer L { get; }\n[Flatten] public partial Layer F { get; }\n[Dense(2)] public partial Layer Y { get; }"));
        Assert.Empty(flat.GeneratorDiagnostics);
        Assert.Matches(@"Y \(Dense\) +\[2\]", flat.SourceFor("Net.g.cs"));
    }
}
