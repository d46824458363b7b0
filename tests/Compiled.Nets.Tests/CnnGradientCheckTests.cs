using System;
using System.Collections.Generic;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// Central-difference checks of every CNN and graph layer's generated backward pass: convolutions with stride 2, same
/// and full padding, groups, 1×1 and 1-D; max (overlapping, padded), average and global pooling; residual Add with a
/// buffer read three times; Concat; per-channel BatchNorm; transposed convolution; max-unpooling; separable
/// convolution; Maxout; implicit Flatten.
/// </summary>
public class CnnGradientCheckTests
{
    private readonly ITestOutputHelper _output;
    public CnnGradientCheckTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Cases() => new[]
    {
        new object[] { "Conv2D valid, stride 2, tanh → softmax CE", (Func<ITrainableNetwork>)(() => new ConvValidStride2(1)), GradientCheckTests.Targets.OneHot },
        new object[] { "Conv2D same, full + groups, max pooling → MSE", (Func<ITrainableNetwork>)(() => new ConvSameFullGroups(2)), GradientCheckTests.Targets.Gaussian },
        new object[] { "average pooling, 1×1 conv leaky, overlapping padded max pooling, global average → BCE", (Func<ITrainableNetwork>)(() => new PoolingNet(3)), GradientCheckTests.Targets.Probabilities },
        new object[] { "Conv1D same, max pooling, Conv1D stride 2 → MSE", (Func<ITrainableNetwork>)(() => new Conv1DNet(4)), GradientCheckTests.Targets.Gaussian },
        new object[] { "residual Add, Concat, BatchNorm2d, global pooling", (Func<ITrainableNetwork>)(() => new ResidualNet(5)), GradientCheckTests.Targets.OneHot },
        new object[] { "transposed convolutions, max-unpooling (autoencoder) → MSE", (Func<ITrainableNetwork>)(() => new TransposedUnpoolNet(6)), GradientCheckTests.Targets.Gaussian },
        new object[] { "depthwise-separable conv, Maxout → softmax CE", (Func<ITrainableNetwork>)(() => new SeparableMaxoutNet(7)), GradientCheckTests.Targets.OneHot },
        new object[] { "conv, BatchNorm2d ReLU, dropout over maps, conv stride 2", (Func<ITrainableNetwork>)(() => new ConvBatchNormDropoutNet(8)), GradientCheckTests.Targets.OneHot },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Analytic_gradients_match_central_differences(string description, Func<ITrainableNetwork> create, GradientCheckTests.Targets kind)
    {
        var net = create();
        const int batch = 4;
        float[] inputs = TestData.Random(batch * net.InputLength, seed: 100);
        float[] targets = kind switch
        {
            GradientCheckTests.Targets.OneHot => TestData.OneHot(batch, net.OutputLength, seed: 200),
            GradientCheckTests.Targets.Probabilities => TestData.Probabilities(batch * net.OutputLength, seed: 200),
            _ => TestData.Random(batch * net.OutputLength, seed: 200),
        };
        // Training mode in both (batch statistics; the same dropout mask, seeded by the unchanged step count).
        var (relativeNorm, worst) = GradientCheckTests.CompareWithCentralDifferences(net, inputs, targets, batch, training: true);
        _output.WriteLine($"{description}: {net.Parameters.Length} parameters, ‖num − analytic‖/‖num‖ = {relativeNorm:E2}, worst element {worst:E2}");
        Assert.True(relativeNorm < 1e-2, $"relative gradient error {relativeNorm:E2}");
        Assert.True(worst < 5e-2, $"worst element error {worst:E2}");
    }

    [Fact]
    public void LeNet5_summary_shows_shapes_parameters_flops_and_the_implicit_flatten()
    {
        var net = new Compiled.Nets.Samples.Mnist.LeNet5(); // the main job's network
        string summary = net.Summary();
        _output.WriteLine(summary);
        Assert.Contains("C1 (Conv2D)", summary);
        Assert.Contains("[6, 28, 28]", summary);
        Assert.Contains("[16, 5, 5]", summary);
        Assert.Contains("F5.flatten (Flatten)", summary);
        Assert.Contains("[400]", summary);
        Assert.Equal(61_706, Compiled.Nets.Samples.Mnist.LeNet5.ParameterCount); // PyTorch's LeNet-5 with these sizes
        // C1: 6·28·28 outputs × 25 taps × 2 = 235,200 FLOPs.
        Assert.Contains("235,200", summary);
    }

    [Fact]
    public void Graph_summary_lists_the_layers_each_reads()
    {
        string summary = new ResidualNet().Summary();
        _output.WriteLine(summary);
        Assert.Contains("Connected to", summary);
        Assert.Contains("Sum (Add)", summary);
        Assert.Matches(@"Join \(Concat\)\s+\[8, 5, 5\].*Sum, Stem", summary);
    }
}
