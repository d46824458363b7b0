using System;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Compiled.Nets.Generators.Emit;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

/// <summary>What goes into a network's CUDA translation unit: only the building blocks its kernels call.</summary>
public class CudaSourceTests
{
    private const string Mlp = """
        using Compiled.Nets;
        namespace Demo;
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        public partial class Mlp
        {
            [Input(8)] public partial Layer X { get; }
            [Dense(4, Activation.ReLU)] public partial Layer Hidden { get; }
            [Dense(3, Activation.Softmax)] public partial Layer Y { get; }
        }
        """;

    private const string Cnn = """
        using Compiled.Nets;
        namespace Demo;
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        public partial class Cnn
        {
            [Input(1, 6, 6)] public partial Layer X { get; }
            [Conv2D(2, 3, Activation.ReLU)] public partial Layer C { get; }
            [MaxPool(2)] public partial Layer P { get; }
            [Dense(3, Activation.Softmax)] public partial Layer Y { get; }
        }
        """;

    private const string Perceptron = """
        using Compiled.Nets;
        namespace Demo;
        [Network(Training = TrainingRule.Perceptron)]
        public partial class Unit { [Input(2)] public partial Layer X { get; } [Dense(1, Activation.Heaviside)] public partial Layer Y { get; } }
        """;

    /// <summary>The generated C# of one network, all its parts (the CUDA source is a literal in one of them).</summary>
    private static string Generated(string source)
    {
        var result = GeneratorHarness.Run(source);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        return string.Concat(result.Run.GeneratedSources.Select(s => s.SourceText.ToString()));
    }

    /// <summary>The blocks in the unit, in the order they are written.</summary>
    private static string[] BlocksIn(string generated) =>
        Regex.Matches(generated, @"// ---- kernels/(\S+) ----").Select(m => m.Groups[1].Value).ToArray();

    [Fact]
    public void An_mlp_has_no_convolution_or_pooling_block()
    {
        string generated = Generated(Mlp);
        Assert.Equal(new[] { CudaBlock.Activations, CudaBlock.Reduce, CudaBlock.Dense, CudaBlock.Softmax, CudaBlock.Losses, CudaBlock.Optimizers }, BlocksIn(generated));
        Assert.DoesNotContain("conv2d_forward", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("maxpool2d_forward", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("batchnorm_forward", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cnn_has_the_convolution_and_pooling_blocks()
    {
        string generated = Generated(Cnn);
        Assert.Equal(new[] { CudaBlock.Activations, CudaBlock.Reduce, CudaBlock.Dense, CudaBlock.Softmax, CudaBlock.Losses, CudaBlock.Conv, CudaBlock.Pool, CudaBlock.Optimizers }, BlocksIn(generated));
        Assert.DoesNotContain(CudaBlock.Layers, BlocksIn(generated));
    }

    [Fact]
    public void A_perceptron_has_no_loss_or_optimizer_block()
    {
        Assert.Equal(new[] { CudaBlock.Activations, CudaBlock.Dense }, BlocksIn(Generated(Perceptron)));
    }

    [Fact]
    public void Blocks_come_after_the_blocks_they_include()
    {
        Assert.Equal(CudaBlock.All, CudaEmitter.BlockOrder(CudaBlock.All.Reverse()));
        Assert.Equal(new[] { CudaBlock.Activations, CudaBlock.Reduce, CudaBlock.Conv, CudaBlock.Pool }, CudaEmitter.BlockOrder(new[] { CudaBlock.Pool }));
        Assert.Equal(new[] { CudaBlock.Activations, CudaBlock.Dense }, CudaEmitter.BlockOrder(new[] { CudaBlock.Dense, CudaBlock.Dense }));
        Assert.Throws<InvalidOperationException>(() => CudaEmitter.BlockOrder(new[] { "missing.cuh" }));
    }

    [Fact]
    public void The_cuda_part_is_its_own_file_with_nothing_public()
    {
        var result = GeneratorHarness.Run(Mlp);
        Assert.Equal(new[] { "Demo.Mlp.Cuda.g.cs", "Demo.Mlp.g.cs" }, result.Run.GeneratedSources.Select(s => s.HintName).OrderBy(h => h, StringComparer.Ordinal));
        string main = result.SourceFor("Demo.Mlp.g.cs"), cuda = result.SourceFor("Demo.Mlp.Cuda.g.cs");
        Assert.DoesNotContain("kernels/", main, StringComparison.Ordinal);
        Assert.DoesNotContain("ICudaKernels", main, StringComparison.Ordinal);
        Assert.Contains("partial class Mlp : global::Compiled.Nets.CompilerServices.ICudaKernels", cuda, StringComparison.Ordinal);
        Assert.Contains("private static string CudaSource => \"\"\"\n", cuda, StringComparison.Ordinal);
        // No member of the CUDA part is public (so no constant is copied into a referencing assembly), and the unit is split into lines.
        var members = CSharpSyntaxTree.ParseText(cuda, GeneratorHarness.ParseOptions).GetRoot().DescendantNodes().OfType<MemberDeclarationSyntax>()
            .Where(m => m is not BaseNamespaceDeclarationSyntax and not TypeDeclarationSyntax).ToList();
        Assert.NotEmpty(members);
        Assert.All(members, m => Assert.False(m.Modifiers.Any(SyntaxKind.PublicKeyword) || m.Modifiers.Any(SyntaxKind.ConstKeyword), m.ToString()));
        Assert.True(cuda.Split('\n').Length > 500, "the CUDA source is one line per CUDA line");
    }

    [Theory]
    [InlineData("")]
    [InlineData("one line")]
    [InlineData("a\nb\n")]
    [InlineData("  indented\n\n\tblank above\n    \n")]
    [InlineData("quotes \" \"\" \"\"\" \"\"\"\" and braces { } and \\ backslashes\n\"\"\"")]
    [InlineData("\nstarts with a newline")]
    public void A_raw_string_literal_holds_the_text_exactly(string text)
    {
        var w = new SourceWriter();
        w.Open("class C");
        CSharpEmitter.WriteRawString(w, "static string S => ", text, ";");
        w.Close();
        var tree = CSharpSyntaxTree.ParseText(w.ToString(), GeneratorHarness.ParseOptions);
        Assert.Empty(tree.GetDiagnostics());
        var literal = tree.GetRoot().DescendantNodes().OfType<LiteralExpressionSyntax>().Single();
        Assert.Equal(text, literal.Token.ValueText);
    }

    [Fact]
    public void GeneratedCode_names_the_generator_assembly_version()
    {
        var assembly = typeof(NetworkGenerator).Assembly;
        string expected = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        Assert.Equal(expected, CSharpEmitter.Version);
        Assert.StartsWith(expected, assembly.GetName().Version!.ToString(), StringComparison.Ordinal);
        var result = GeneratorHarness.Run(Mlp);
        var versions = result.Run.GeneratedSources.SelectMany(s => Regex.Matches(s.SourceText.ToString(), @"GeneratedCode\(""Compiled\.Nets"", ""([^""]*)""\)").Select(m => m.Groups[1].Value)).ToList();
        Assert.NotEmpty(versions);
        Assert.All(versions, v => Assert.Equal(expected, v));
    }
}
