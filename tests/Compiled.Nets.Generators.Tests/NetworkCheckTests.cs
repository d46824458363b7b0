using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

/// <summary>
/// The network-level checks (CN0030–CN0041), each with its ID and line; the stub a network with errors gets; the
/// per-network guards; hint names that never collide; verbatim identifiers and shadowed attributes.
/// </summary>
public class NetworkCheckTests
{
    private static Diagnostic Reported(string source, string id, DiagnosticSeverity severity = DiagnosticSeverity.Error) =>
        DiagnosticTests.AssertReported(source, id, severity);

    private static string Net(string members, string header = "[Network]\npublic partial class Net") => $$"""
        using Compiled.Nets;
        namespace Demo;
        {{header}}
        {
            [Input(2)] public partial Layer X { get; }
        {{members}}
        }
        """;

    [Theory]
    [InlineData("[Dense(1)] public partial Layer Y { get; set; } // ←", "has a set accessor")]
    [InlineData("[Dense(1)] public partial Layer Y { get; init; } // ←", "has an init accessor")]
    [InlineData("[Dense(1)] public partial Layer Y { set; } // ←", "has no get accessor")]
    public void CN0030_layer_property_must_be_get_only(string member, string expected)
    {
        Assert.Contains(expected, Reported(Net(member), "CN0030").GetMessage());
    }

    [Theory]
    [InlineData("[Dense(1)] public static partial Layer Y { get; } // ←", "is static")]
    [InlineData("[Dense(1)] public required partial Layer Y { get; } // ←", "is required")]
    [InlineData("[Dense(1)] public extern partial Layer Y { get; } // ←", "is extern")]
    public void CN0031_layer_property_modifier(string member, string expected)
    {
        Assert.Contains(expected, Reported(Net(member), "CN0031").GetMessage());
    }

    [Theory]
    [InlineData("[Dense(1)] public partial ref Layer Y { get; } // ←", "'ref Layer'")]
    [InlineData("[Dense(1)] public partial ref readonly Layer Y { get; } // ←", "'ref readonly Layer'")]
    public void CN0032_layer_property_returns_by_reference(string member, string expected)
    {
        Assert.Contains(expected, Reported(Net(member), "CN0032").GetMessage());
    }

    [Fact]
    public void CN0033_layer_indexer()
    {
        var d = Reported(Net("[Dense(1)] public partial Layer this[int i] { get; } // ←"), "CN0033");
        Assert.Contains("[Dense]", d.GetMessage());
    }

    [Fact]
    public void CN0034_two_layer_attributes_point_at_the_second()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(4)]
                [Dropout(0.5f)] // ←
                public partial Layer Hidden { get; }
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        Assert.Contains("[Dense], [Dropout]", Reported(source, "CN0034").GetMessage());
    }

    [Theory]
    [InlineData("Forward", "method")]
    [InlineData("Parameters", "member")]
    [InlineData("Summary", "method")]
    [InlineData("TrainStep", "method")]
    [InlineData("Layers", "member")]
    [InlineData("Tensors", "member")]
    [InlineData("InputSize", "member")]
    [InlineData("_parameters", "member")]
    public void CN0035_layer_named_like_a_generated_member(string name, string kind)
    {
        var d = Reported(Net($"[Dense(1)] public partial Layer {name} {{ get; }} // ←"), "CN0035");
        Assert.Contains($"Layer '{name}' has the name of a {kind} the generator adds to network 'Net'", d.GetMessage());
    }

    [Fact]
    public void CN0035_other_member_named_like_a_generated_member()
    {
        var d = Reported(Net("[Dense(1)] public partial Layer Y { get; }\n    public const int InputSize = 2; // ←"), "CN0035");
        Assert.Contains("Member 'InputSize'", d.GetMessage());
    }

    [Fact]
    public void CN0035_not_reported_for_a_method_overload()
    {
        var result = GeneratorHarness.Run(Net("[Dense(1)] public partial Layer Y { get; }\n    public void Forward(int x) { }"));
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id == "CN0035");
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void CN0036_file_local_network()
    {
        const string source = """
            using Compiled.Nets;
            [Network] // ←
            file partial class Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        Assert.Contains("it is declared 'file'", Reported(source, "CN0036").GetMessage());
    }

    [Fact]
    public void CN0036_two_file_local_networks_of_one_name_in_two_files()
    {
        const string source = "using Compiled.Nets;\n[Network] file partial class Net { [Input(2)] partial Layer X { get; } [Dense(1)] partial Layer Y { get; } }\n";
        var result = GeneratorHarness.Run(source, source);
        Assert.Equal(2, result.GeneratorDiagnostics.Count(d => d.Id == "CN0036"));
        Assert.Equal(new[] { "File0.cs", "File1.cs" }, result.GeneratorDiagnostics.Where(d => d.Id == "CN0036").Select(d => d.Location.GetLineSpan().Path).OrderBy(p => p));
    }

    [Fact]
    public void CN0037_primary_constructor()
    {
        const string source = """
            using Compiled.Nets;
            [Network]
            public partial class Net(int size) // ←
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        Assert.Contains("primary constructor (int size)", Reported(source, "CN0037").GetMessage());
    }

    [Fact]
    public void CN0037_constructor_with_a_generated_signature()
    {
        var d = Reported(Net("[Dense(1)] public partial Layer Y { get; }\n    public Net(int seed) { } // ←"), "CN0037");
        Assert.Contains("'Net(int)'", d.GetMessage());
    }

    [Theory]
    [InlineData("Loss = (Loss)9", "Loss = (Loss)9, which is not a Loss value")]
    [InlineData("Training = (TrainingRule)2", "Training = (TrainingRule)2, which is not a TrainingRule value")]
    [InlineData("Initialization = (Initialization)42", "Initialization = (Initialization)42, which is not a Initialization value")]
    public void CN0038_network_enum_setting_out_of_range(string setting, string expected)
    {
        string source = Net("[Dense(1)] public partial Layer Y { get; }", $"[Network({setting})] // ←\npublic partial class Net");
        Assert.Contains(expected, Reported(source, "CN0038").GetMessage());
    }

    [Theory]
    [InlineData("LearningRate = float.NaN")]
    [InlineData("LearningRate = float.PositiveInfinity")]
    [InlineData("L2 = float.NaN")]
    [InlineData("L1 = float.NegativeInfinity")]
    public void CN0011_non_finite_network_setting(string setting)
    {
        string source = Net("[Dense(1)] public partial Layer Y { get; }", $"[Network({setting})] // ←\npublic partial class Net");
        Reported(source, "CN0011");
    }

    [Fact]
    public void CN0039_user_implemented_layer_is_a_warning_and_the_network_still_compiles()
    {
        var source = Net("[Dense(1)] public partial Layer Y { get; } // ←\n    public partial Layer Y => Layers[1];");
        Reported(source, "CN0039", DiagnosticSeverity.Warning);
        var result = GeneratorHarness.Run(source);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Theory]
    [InlineData("[Input(100000)] public partial Layer A { get; }\n    [Dense(100000)] public partial Layer Y { get; } // ←", "the weights of layer 'Y' = 10,000,000,000")]
    [InlineData("[Input(65536, 65536)] public partial Layer A { get; } // ←\n    [Dense(2)] public partial Layer Y { get; }", "the output of layer 'A' [65536, 65536] = 4,294,967,296")]
    [InlineData("[Input(2)] public partial Layer A { get; }\n    [Dense(int.MaxValue)] public partial Layer Y { get; } // ←", "the output of layer 'Y' [2147483647]")]
    [InlineData("[Input(50000)] public partial Layer A { get; }\n    [Dense(50000)] public partial Layer H { get; } // ←\n    [Dense(2)] public partial Layer Y { get; }", "the weights of layer 'H' = 2,500,000,000")]
    public void CN0040_sizes_that_overflow_32_bits(string members, string expected)
    {
        string source = $$"""
            using Compiled.Nets;
            [Network]
            public partial class Net
            {
                {{members}}
            }
            """;
        Assert.Contains(expected, Reported(source, "CN0040").GetMessage());
    }

    [Fact]
    public void CN0041_layer_named_with_a_keyword()
    {
        var d = Reported(Net("[Dense(1)] public partial Layer @class { get; } // ←"), "CN0041");
        Assert.Contains("Layer '@class'", d.GetMessage());
    }

    [Fact]
    public void CN0013_record_network()
    {
        const string source = """
            using Compiled.Nets;
            [Network] // ←
            public partial record Net
            {
                [Input(2)] public partial Layer X { get; }
                [Dense(1)] public partial Layer Y { get; }
            }
            """;
        Assert.Contains("records are not supported", Reported(source, "CN0013").GetMessage());
    }

    // ------------------------------------------------------------------ stubs

    [Fact]
    public void A_network_with_errors_gets_a_stub_so_only_the_CN_error_is_reported()
    {
        const string source = """
            using Compiled.Nets;
            namespace Demo;
            public partial class Outer
            {
                [Network]
                public partial class Net
                {
                    [Input(2)] public partial Layer X { get; }
                    [Dense(0)] internal partial Layer Hidden { get; }
                    [Dense(1)] public partial Layer Y { get; }
                    public int NotALayer { get; }
                }
            }
            """;
        var result = GeneratorHarness.Run(source);
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == "CN0003");
        var stub = Assert.Single(result.Run.GeneratedSources);
        Assert.Equal("Demo.Outer.Net.stub.g.cs", stub.HintName);
        string text = stub.SourceText.ToString();
        Assert.Contains("partial class Outer", text);
        Assert.Contains("internal partial global::Compiled.Nets.Layer Hidden => throw new global::System.InvalidOperationException(\"Net has build errors (CN0003); see the error list\");", text);
        Assert.Contains("public partial global::Compiled.Nets.Layer Y", text);
        Assert.DoesNotContain("NotALayer", text);
        // The CN error is all the user sees: no CS9248 per layer, nothing wrong in the stub.
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void A_stub_implements_the_accessors_and_modifiers_the_user_declared()
    {
        var result = GeneratorHarness.Run(Net("[Dense(1)] public partial Layer Y { get; private set; }\n    [Dense(1)] public static partial Layer Z { get; }"));
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == "CN0030");
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == "CN0031");
        string text = Assert.Single(result.Run.GeneratedSources).SourceText.ToString();
        Assert.Contains("private set => throw", text);
        Assert.Contains("public static partial global::Compiled.Nets.Layer Z", text);
        Assert.Contains("(CN0030, CN0031)", text);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void A_network_that_is_not_partial_gets_no_stub()
    {
        var result = GeneratorHarness.Run("using Compiled.Nets;\n[Network] public class Net { [Input(2)] public Layer X { get; } [Dense(1)] public Layer Y { get; } }");
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == "CN0001");
        Assert.Empty(result.Run.GeneratedSources);
    }

    [Fact]
    public void An_unrelated_edit_leaves_the_stub_cached()
    {
        var compilation = GeneratorHarness.Compile(Net("[Dense(0)] public partial Layer Y { get; }"), "public class Other { public int A; }");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText("public class Other { public int A; public int B; }", GeneratorHarness.ParseOptions, path: "File1.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        var stubs = result.TrackedSteps[Compiled.Nets.Generators.NetworkGenerator.Steps.Stubs];
        Assert.NotEmpty(stubs);
        Assert.All(stubs.SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.EndsWith(".stub.g.cs", Assert.Single(result.GeneratedSources).HintName);
    }

    // ------------------------------------------------------------------ guards

    [Fact]
    public void A_stage_that_throws_reports_CN9999_on_its_network_alone()
    {
        var id = new NetworkIdentity("Net", "Demo.Net", "Demo.Net", null);
        var input = new Staged<NetworkSpec>(id, null, new StageResult<NetworkSpec>(null, default));
        var output = NetworkStages.Run<NetworkSpec, ShapedNetwork>(input, "shape inference", CancellationToken.None,
            (_, _) => throw new InvalidOperationException("boom"));
        Assert.Null(output.Result.Value);
        var diagnostic = Assert.Single(output.Result.Diagnostics);
        Assert.Equal("CN9999", diagnostic.Descriptor.Id);
        Assert.Contains("internal error in network Net (shape inference): InvalidOperationException: boom", diagnostic.ToDiagnostic().GetMessage());

        Assert.Throws<OperationCanceledException>(() => NetworkStages.Run<NetworkSpec, ShapedNetwork>(input, "lowering", CancellationToken.None,
            (_, _) => throw new OperationCanceledException()));
    }

    [Fact]
    public void Other_networks_still_get_code_when_one_has_errors()
    {
        const string source = """
            using Compiled.Nets;
            [Network] public partial class Good { [Input(2)] partial Layer X { get; } [Dense(1)] partial Layer Y { get; } }
            [Network(Training = (TrainingRule)5)] public partial class Bad { [Input(2)] partial Layer X { get; } [Dense(1)] partial Layer Y { get; } }
            [Network] public partial class AlsoGood { [Input(3)] partial Layer X { get; } [Dense(2)] partial Layer Y { get; } }
            """;
        var result = GeneratorHarness.Run(source);
        Assert.Equal(new[] { "AlsoGood.Cuda.g.cs", "AlsoGood.g.cs", "Bad.stub.g.cs", "Good.Cuda.g.cs", "Good.g.cs" }, result.Run.GeneratedSources.Select(s => s.HintName).OrderBy(h => h, StringComparer.Ordinal));
        Assert.Equal("CN0038", Assert.Single(result.GeneratorDiagnostics).Id);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    // ------------------------------------------------------------------ hint names

    [Fact]
    public void Two_network_parts_of_one_class_are_generated_once()
    {
        const string a = "using Compiled.Nets;\nnamespace Demo;\n[Network] public partial class Net { [Input(2)] partial Layer X { get; } }\n";
        const string b = "using Compiled.Nets;\nnamespace Demo;\n[Network] public partial class Net { [Dense(1)] partial Layer Y { get; } }\n";
        var result = GeneratorHarness.Run(a, b);
        Assert.Equal(new[] { "Demo.Net.Cuda.g.cs", "Demo.Net.g.cs" }, result.Run.GeneratedSources.Select(s => s.HintName).OrderBy(h => h, StringComparer.Ordinal));
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id == "CN9999");
    }

    [Fact]
    public void Networks_whose_names_differ_only_in_case_or_spell_a_namespace_get_distinct_hint_names()
    {
        const string body = "{ [Input(2)] partial Layer X { get; } [Dense(1)] partial Layer Y { get; } }";
        var result = GeneratorHarness.Run(
            $"using Compiled.Nets;\nnamespace A;\n[Network] public partial class Net {body}\n[Network] public partial class NET {body}\n",
            $"using Compiled.Nets;\nnamespace A;\npublic partial class C {{ [Network] public partial class Net {body} }}\n",
            $"using Compiled.Nets;\nnamespace A.C;\n[Network] public partial class Other {body}\n");
        var hints = result.Run.GeneratedSources.Select(s => s.HintName).ToList();
        Assert.Equal(8, hints.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains("A.C.Net.g.cs", hints);
        Assert.Contains("A.C.Net.Cuda.g.cs", hints);
        Assert.Contains("A.C.Other.g.cs", hints);
        // The class A.C and the namespace A.C clash in the user's code (CS0101); the generated files are fine.
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && !d.Location.GetLineSpan().Path.StartsWith("File", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_network_named_Cuda_inside_a_network_does_not_take_its_CUDA_part_s_hint_name()
    {
        const string body = "[Input(2)] partial Layer X { get; } [Dense(1)] partial Layer Y { get; }";
        var result = GeneratorHarness.Run($"using Compiled.Nets;\nnamespace A;\n[Network] public partial class Net {{ {body} [Network] public partial class Cuda {{ {body} }} }}\n");
        var hints = result.Run.GeneratedSources.Select(s => s.HintName).ToList();
        Assert.Equal(4, hints.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.DoesNotContain("A.Net.Cuda.g.cs", hints);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    // ------------------------------------------------------------------ names

    [Fact]
    public void Verbatim_type_namespace_and_container_names_compile()
    {
        const string source = """
            using Compiled.Nets;
            namespace Fuzz.@struct;
            public partial class @event
            {
                [Network]
                public partial class @class
                {
                    [Input(2)] public partial Layer X { get; }
                    [Dense(1)] public partial Layer Y { get; }
                }
            }
            """;
        var result = GeneratorHarness.Run(source);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Equal(new[] { "Fuzz.struct.event.class.Cuda.g.cs", "Fuzz.struct.event.class.g.cs" }, result.Run.GeneratedSources.Select(s => s.HintName).OrderBy(h => h, StringComparer.Ordinal));
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Theory]
    [InlineData("namespace Compiled.Nets { public sealed class DenseAttribute : System.Attribute { public DenseAttribute(string s) { } } }", "[Dense(\"one\")]")]
    [InlineData("public sealed class DenseAttribute : System.Attribute { public DenseAttribute(string s) { } }", "[Dense(\"one\")]")]
    [InlineData("namespace Other { public sealed class DenseAttribute : System.Attribute { public DenseAttribute(int units) { } } }", "[Dense(1)]")]
    public void A_user_type_that_shadows_a_library_attribute_is_not_read_as_a_layer(string shadow, string attribute)
    {
        string source = $"using Compiled.Nets;\n{shadow}\n[Network] public partial class Net {{ [Input(2)] public partial Layer X {{ get; }} {attribute} public partial Layer Y {{ get; }} }}";
        var result = GeneratorHarness.Run(source);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id == "CN9999");
    }

    /// <summary>Every member the emitter declares is in NetworkChecks.GeneratedMembers, so CN0035 stays complete.</summary>
    [Fact]
    public void Generated_member_list_covers_every_emitted_member()
    {
        string[] networks =
        {
            "[Network(Loss = Loss.SoftmaxCrossEntropy, L2 = 0.01f)] public partial class A { [Input(1, 6, 6)] partial Layer X { get; } [Conv2D(2, 3)] partial Layer C { get; } [BatchNorm] partial Layer N { get; } [Dropout(0.2f)] partial Layer D { get; } [MaxPool(2)] partial Layer P { get; } [Dense(3, Activation.Softmax)] partial Layer Y { get; } }",
            "[Network(Training = TrainingRule.Perceptron)] public partial class B { [Input(2)] partial Layer X { get; } [Dense(1, Activation.Heaviside)] partial Layer Y { get; } }",
            "[Network(UnrollLimit = 0)] public partial class C { [Input(2, 8)] partial Layer X { get; } [Conv1D(2, 3)] partial Layer K { get; } [PReLU] partial Layer R { get; } [Maxout(3, 2)] partial Layer M { get; } [Dense(2)] partial Layer Y { get; } }",
        };
        var result = GeneratorHarness.Run("using Compiled.Nets;\n" + string.Join("\n", networks));
        Assert.Equal(6, result.Run.GeneratedSources.Length); // three networks, each with its CUDA part
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var source in result.Run.GeneratedSources)
        {
            var root = source.SyntaxTree.GetRoot();
            // The network's own members: the nested classes' members do not share its scope (their names are reserved below).
            foreach (var type in root.DescendantNodes().OfType<ClassDeclarationSyntax>().Where(t => t.Identifier.Text is not ("Buffers" or "Workspace" or "Quantized" or "Offsets" or "Scratch")))
            {
                foreach (var member in type.Members)
                {
                    string? name = member switch
                    {
                        MethodDeclarationSyntax { ExplicitInterfaceSpecifier: null } m => m.Identifier.Text,
                        PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: null } p when !p.Modifiers.Any(SyntaxKind.PartialKeyword) => p.Identifier.Text,
                        FieldDeclarationSyntax f => f.Declaration.Variables[0].Identifier.Text,
                        _ => null,
                    };
                    if (name is not null && !NetworkChecks.GeneratedMembers.ContainsKey(name)) missing.Add(name);
                }
            }
        }
        Assert.True(missing.Count == 0, "not in NetworkChecks.GeneratedMembers: " + string.Join(", ", missing));
        Assert.True(NetworkChecks.GeneratedMembers.ContainsKey("Buffers"), "the nested Buffers class's name is reserved");
        Assert.True(NetworkChecks.GeneratedMembers.ContainsKey("Workspace"), "the nested Workspace class's name is reserved");
        Assert.True(NetworkChecks.GeneratedMembers.ContainsKey("Quantized"), "the nested Quantized class's name is reserved");
    }
}
