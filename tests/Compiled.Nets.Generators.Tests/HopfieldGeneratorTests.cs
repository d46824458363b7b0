using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.Generators.Hopfield;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

/// <summary>
/// The [HopfieldNetwork] pipeline: its snapshot, code that compiles wherever the class is declared, CN0073–CN0076 at the
/// attribute's line, nothing (and no crash) for half-typed code, cached steps, and file names that never collide.
/// </summary>
public class HopfieldGeneratorTests
{
    private const string Memory = """
        using Compiled.Nets;

        namespace Demo;

        [HopfieldNetwork(Neurons = 100)]
        public partial class Memory { }
        """;

    private static Diagnostic Reported(string source, string id) => DiagnosticTests.AssertReported(source, id, DiagnosticSeverity.Error);

    private static void AssertCompiles(GeneratorHarness.Result result)
    {
        Assert.Empty(result.GeneratorDiagnostics);
        var problems = result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Snapshot_of_a_100_neuron_memory()
    {
        var result = GeneratorHarness.Run(Memory);
        AssertCompiles(result);
        var source = Assert.Single(result.Run.GeneratedSources);
        Assert.Equal("Demo.Memory.Hopfield.g.cs", source.HintName);
        Snapshot.Verify(source.SourceText.ToString(), "HopfieldMemory");
    }

    [Theory]
    [InlineData("[HopfieldNetwork(Neurons = 1)] public partial class One { }")]
    [InlineData("[HopfieldNetwork(Neurons = 8192)] public partial class Largest { }")]
    [InlineData("public partial class Outer { [HopfieldNetwork(Neurons = 7)] internal sealed partial class Inner { } }")]
    [InlineData("public partial record Holder { [HopfieldNetwork(Neurons = 7)] private partial class Inner { } }")]
    [InlineData("public partial struct Holder { [HopfieldNetwork(Neurons = 7)] public partial class Inner { } }")]
    [InlineData("[HopfieldNetwork(Neurons = 3 * 11)] public partial class @class { }")]
    [InlineData("[HopfieldNetwork(Neurons = 5)] public abstract partial class Base { public void Store(string text) { } public int Energy(int x) => x; }")]
    [InlineData("[HopfieldNetwork(Neurons = 5)] public partial class A(int seed) { public int Seed => seed; }")]
    public void Generated_code_compiles(string declaration)
    {
        var result = GeneratorHarness.Run("using Compiled.Nets;\nnamespace Demo.@struct;\n" + declaration);
        AssertCompiles(result);
        Assert.Single(result.Run.GeneratedSources);
    }

    [Fact]
    public void Generated_code_compiles_in_the_global_namespace_next_to_a_network()
    {
        var result = GeneratorHarness.Run("""
            using Compiled.Nets;
            [HopfieldNetwork(Neurons = 64)] public partial class Memory { }
            [Network] public partial class Net { [Input(2)] public partial Layer X { get; } [Dense(1)] public partial Layer Y { get; } }
            """);
        AssertCompiles(result);
        Assert.Contains(result.Run.GeneratedSources, s => s.HintName == "Memory.Hopfield.g.cs");
        Assert.Contains(result.Run.GeneratedSources, s => s.HintName == "Net.g.cs");
    }

    [Fact]
    public void The_constants_are_those_of_the_runtime()
    {
        Assert.Equal(Compiled.Nets.HopfieldNetworkAttribute.MaxNeurons, HopfieldLimits.MaxNeurons);
        Assert.Equal(Compiled.Nets.CompilerServices.HopfieldKernels.ExactLimit, HopfieldLimits.ExactLimit);
        foreach (int n in new[] { 1, 2, 3, 100, 1000, 4097, 8192 })
        {
            var spec = new HopfieldSpec { DisplayName = "M", TypeName = "M", Namespace = "", ContainingTypes = default, HintStem = "M", MetadataName = "M", Neurons = n };
            Assert.Equal(Compiled.Nets.CompilerServices.HopfieldKernels.MaxPatterns(n), spec.MaxPatterns);
        }
    }

    [Theory]
    [InlineData("[HopfieldNetwork(Neurons = 0)] // ←", "Neurons = 0")]
    [InlineData("[HopfieldNetwork(Neurons = -5)] // ←", "Neurons = -5")]
    [InlineData("[HopfieldNetwork] // ←", "no Neurons setting")]
    [InlineData("[HopfieldNetwork()] // ←", "no Neurons setting")]
    public void CN0073_neurons_not_positive(string attribute, string expected)
    {
        var d = Reported($"using Compiled.Nets;\n{attribute}\npublic partial class Memory {{ }}", "CN0073");
        Assert.Contains("'Memory'", d.GetMessage());
        Assert.Contains(expected, d.GetMessage());
    }

    [Theory]
    [InlineData(8193, "512.1 MiB")]
    [InlineData(100_000, "74.5 GiB")]
    [InlineData(int.MaxValue, "GiB")]
    public void CN0074_too_many_neurons(int neurons, string size)
    {
        var d = Reported($"using Compiled.Nets;\n[HopfieldNetwork(Neurons = {neurons})] // ←\npublic partial class Memory {{ }}", "CN0074");
        Assert.Contains($"Neurons = {neurons}", d.GetMessage());
        Assert.Contains("at most 8192", d.GetMessage());
        Assert.Contains(size, d.GetMessage());
    }

    [Theory]
    [InlineData("[HopfieldNetwork(Neurons = 10)] // ←\npublic class Memory { }", "it is not declared partial")]
    [InlineData("public class Outer {\n[HopfieldNetwork(Neurons = 10)] // ←\npublic partial class Memory { } }", "containing type 'Outer' is not declared partial")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] // ←\npublic partial class Memory<T> { }", "it is generic")]
    [InlineData("public partial class Outer<T> {\n[HopfieldNetwork(Neurons = 10)] // ←\npublic partial class Memory { } }", "containing type 'Outer' is generic")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] // ←\npublic static partial class Memory { }", "it is static")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] // ←\npublic partial record Memory { }", "it is a record")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] // ←\nfile partial class Memory { }", "declared 'file'")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] // ←\npublic partial class Memory { public int Weights; }", "it declares 'Weights'")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] // ←\npublic partial class Memory { public const int Neurons = 10; }", "it declares 'Neurons'")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] // ←\npublic partial class Memory { private float[] _weights = new float[1]; }", "it declares '_weights'")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] // ←\npublic partial class Memory { public string Store => \"\"; }", "it declares 'Store'")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] // ←\npublic partial class Memory { public void Clear() { } }", "Clear()")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] // ←\npublic partial class Memory { public void Save(string file) { } }", "Save(string)")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] // ←\npublic partial class Memory { class CudaKernels { } }", "it declares 'CudaKernels'")]
    public void CN0075_type_cannot_hold_the_generated_code(string declaration, string expected)
    {
        var d = Reported("using Compiled.Nets;\nusing System;\n" + declaration, "CN0075");
        Assert.Contains("cannot be a Hopfield network", d.GetMessage());
        Assert.Contains(expected, d.GetMessage());
    }

    [Fact]
    public void CN0076_both_hopfield_and_network()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            [HopfieldNetwork(Neurons = 10)] // ←
            public partial class Memory
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        var result = GeneratorHarness.Run(source);
        var d = Reported(source, "CN0076");
        Assert.Contains("both [HopfieldNetwork] and [Network]", d.GetMessage());
        // Only CN0076: the [Network] pipeline leaves the class to the Hopfield one, and neither emits code.
        Assert.Equal(new[] { "CN0076" }, result.GeneratorDiagnostics.Select(x => x.Id).ToArray());
        Assert.Empty(result.Run.GeneratedSources);
    }

    [Fact]
    public void Several_problems_are_reported_together()
    {
        var result = GeneratorHarness.Run("using Compiled.Nets;\n[HopfieldNetwork(Neurons = 0)]\npublic class Memory { }");
        Assert.Equal(new[] { "CN0073", "CN0075" }, result.GeneratorDiagnostics.Select(d => d.Id).OrderBy(x => x).ToArray());
        Assert.Empty(result.Run.GeneratedSources);
    }

    /// <summary>Half-typed or mistyped declarations: the compiler's error only, no CN diagnostic, no generated code, no crash.</summary>
    [Theory]
    [InlineData("[HopfieldNetwork(Neurons = )] public partial class Memory { }")]
    [InlineData("[HopfieldNetwork(Neurons = size)] public partial class Memory { static int size = 4; }")]
    [InlineData("[HopfieldNetwork(Neurons = 1.5)] public partial class Memory { }")]
    [InlineData("[HopfieldNetwork(Neurons = \"100\")] public partial class Memory { }")]
    [InlineData("[HopfieldNetwork(100)] public partial class Memory { }")]
    [InlineData("[HopfieldNetwork(Neurons = 10, Neurons = 20)] public partial class Memory { }")]
    [InlineData("[HopfieldNetwork(Neurons = 10, Size = 3)] public partial class Memory { }")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] public partial class { }")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] public partial class Memory { public int }")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] public partial class Memory { int x; int x; }")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] public partial struct Memory { }")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] public partial interface Memory { }")]
    [InlineData("[HopfieldNetwork(Neurons = 10)]")]
    [InlineData("[HopfieldNetwork(Neurons = 10)] [HopfieldNetwork(Neurons = 10)] public partial class Memory { }")]
    public void Half_typed_code_gets_no_crash_and_no_error_of_ours(string declaration)
    {
        var result = GeneratorHarness.Run("using Compiled.Nets;\n" + declaration);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id.StartsWith("CN", StringComparison.Ordinal));
        // The compiler's error on the user's line, and none in anything generated.
        Assert.Contains(result.CompilationDiagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath == "File0.cs");
        var generated = result.Run.GeneratedSources.Select(s => s.SyntaxTree).ToHashSet();
        var ours = result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && generated.Contains(d.Location.SourceTree!)).ToList();
        Assert.True(ours.Count == 0, string.Join("\n", ours));
        // Code that does not parse or bind gets nothing (a duplicated attribute is reported on the second one; the first is read).
        if (!declaration.Contains("] [HopfieldNetwork")) Assert.True(result.Run.GeneratedSources.IsEmpty, declaration);
    }

    [Fact]
    public void A_class_in_two_parts_gets_one_file()
    {
        var result = GeneratorHarness.Run(
            "using Compiled.Nets;\n[HopfieldNetwork(Neurons = 10)] public partial class Memory { }",
            "public partial class Memory { public int Extra => 1; }");
        AssertCompiles(result);
        Assert.Single(result.Run.GeneratedSources);
    }

    [Fact]
    public void A_user_attribute_of_the_same_name_is_not_read()
    {
        var result = GeneratorHarness.Run("""
            namespace Compiled.Nets { public sealed class HopfieldNetworkAttribute : System.Attribute { public int Neurons { get; set; } } }
            namespace Demo { [Compiled.Nets.HopfieldNetwork(Neurons = 10)] public partial class Memory { } }
            """);
        Assert.Empty(result.Run.GeneratedSources);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id.StartsWith("CN", StringComparison.Ordinal));
    }

    [Fact]
    public void File_names_never_collide()
    {
        // Stems equal but for case, and a memory whose stem with ".Hopfield" is a network's stem: each still gets a file.
        var result = GeneratorHarness.Run("""
            using Compiled.Nets;
            namespace N { [HopfieldNetwork(Neurons = 4)] public partial class memory { } [HopfieldNetwork(Neurons = 4)] public partial class Memory { } }
            namespace n { [HopfieldNetwork(Neurons = 4)] public partial class m { } }
            namespace N.M { [Network] public partial class Hopfield { [Input(2)] public partial Layer X { get; } [Dense(1)] public partial Layer Y { get; } } }
            """);
        AssertCompiles(result);
        var names = result.Run.GeneratedSources.Select(s => s.HintName).ToList();
        Assert.Equal(5, names.Count); // three memories, the network and its CUDA part
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains("N.M.Hopfield.g.cs", names);
    }

    private static readonly string[] TrackedSteps =
    {
        HopfieldPipeline.Steps.Parse, HopfieldPipeline.Steps.Check, HopfieldPipeline.Steps.Diagnostics, HopfieldPipeline.Steps.Specs,
    };

    [Fact]
    public void Unrelated_edit_leaves_every_step_cached()
    {
        var compilation = GeneratorHarness.Compile(Memory, "public class Other { public int A; }");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText("public class Other { public int A; public int B; }", GeneratorHarness.ParseOptions, path: "File1.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        foreach (string step in TrackedSteps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
            foreach (var run in result.TrackedSteps[step])
                foreach (var output in run.Outputs)
                    Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {step} re-ran: {output.Reason}");
        }
    }

    [Fact]
    public void Moving_the_declaration_does_not_change_the_spec_and_editing_the_size_does()
    {
        var compilation = GeneratorHarness.Compile(Memory);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var moved = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(),
            CSharpSyntaxTree.ParseText("\n\n// a comment\n" + Memory, GeneratorHarness.ParseOptions, path: "File0.cs"));
        driver = driver.RunGenerators(moved);
        var specs = driver.GetRunResult().Results.Single().TrackedSteps[HopfieldPipeline.Steps.Specs].Single().Outputs.Single();
        Assert.True(specs.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"spec after a move: {specs.Reason}");

        var resized = moved.ReplaceSyntaxTree(moved.SyntaxTrees.Single(),
            CSharpSyntaxTree.ParseText(Memory.Replace("Neurons = 100", "Neurons = 200"), GeneratorHarness.ParseOptions, path: "File0.cs"));
        var result = driver.RunGenerators(resized).GetRunResult().Results.Single();
        Assert.Equal(IncrementalStepRunReason.Modified, result.TrackedSteps[HopfieldPipeline.Steps.Specs].Single().Outputs.Single().Reason);
        Assert.Contains("public const int Neurons = 200;", result.GeneratedSources.Single().SourceText.ToString());
    }

    /// <summary>Every member the emitter declares is in HopfieldEmitter.GeneratedMembers (with its parameter lists), so CN0075 stays complete.</summary>
    [Fact]
    public void Generated_member_list_covers_every_emitted_member()
    {
        var result = GeneratorHarness.Run(Memory);
        var tree = result.Run.GeneratedSources.Single().SyntaxTree;
        var compilation = GeneratorHarness.Compile(Memory).AddSyntaxTrees(tree);
        var model = compilation.GetSemanticModel(compilation.SyntaxTrees.Last());
        var type = tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().First(c => c.Identifier.Text == "Memory");
        var seen = new Dictionary<string, HashSet<string>?>(StringComparer.Ordinal);
        foreach (var member in type.Members)
        {
            switch (member)
            {
                case MethodDeclarationSyntax { ExplicitInterfaceSpecifier: null } m:
                    var symbol = model.GetDeclaredSymbol(m)!;
                    (seen.TryGetValue(m.Identifier.Text, out var set) ? set! : seen[m.Identifier.Text] = new HashSet<string>())
                        .Add(string.Join(", ", symbol.Parameters.Select(p => p.Type.ToDisplayString())));
                    break;
                case PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: null } p: seen[p.Identifier.Text] = null; break;
                case FieldDeclarationSyntax f: seen[f.Declaration.Variables[0].Identifier.Text] = null; break;
                case ClassDeclarationSyntax c: seen[c.Identifier.Text] = null; break;
            }
        }
        Assert.Equal(seen.Keys.OrderBy(k => k, StringComparer.Ordinal), HopfieldEmitter.GeneratedMembers.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (name, signatures) in seen)
        {
            var listed = HopfieldEmitter.GeneratedMembers[name];
            if (signatures is null) Assert.Null(listed);
            else Assert.Equal(signatures.OrderBy(s => s), listed!.OrderBy(s => s));
        }
    }
}
