using System;
using System.Linq;
using System.Text.RegularExpressions;
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
}
