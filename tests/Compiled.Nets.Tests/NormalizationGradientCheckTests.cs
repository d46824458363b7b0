using System;
using System.Collections.Generic;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// Central-difference checks of the local normalisation and noise layers' backward passes: LRN with an even and an odd
/// window on 2-D and 1-D maps, LCN over 5×5 and 1×3 windows, Gaussian and masking noise in training mode (the same
/// noise in every evaluation: the step count does not change).
/// </summary>
public class NormalizationGradientCheckTests
{
    private readonly ITestOutputHelper _output;
    public NormalizationGradientCheckTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Cases() => new[]
    {
        new object[] { "Conv2D ReLU, LRN(4), max pooling → softmax CE", (Func<ITrainableNetwork>)(() => new LrnConvNet(1)), GradientCheckTests.Targets.OneHot },
        new object[] { "Conv1D tanh, LRN(3) k 2, LCN(3) on [C, L] → MSE", (Func<ITrainableNetwork>)(() => new LrnLcn1DNet(2)), GradientCheckTests.Targets.Gaussian },
        new object[] { "Conv2D same, LCN(5), average pooling → BCE", (Func<ITrainableNetwork>)(() => new LcnConvNet(3)), GradientCheckTests.Targets.Probabilities },
        new object[] { "Gaussian noise, masking noise between Dense layers → MSE", (Func<ITrainableNetwork>)(() => new NoisyNet(4)), GradientCheckTests.Targets.Gaussian },
        new object[] { "denoising autoencoder (masking noise on the input) → BCE", (Func<ITrainableNetwork>)(() => new DenoisingAutoencoder(5)), GradientCheckTests.Targets.Probabilities },
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
        var (relativeNorm, worst) = GradientCheckTests.CompareWithCentralDifferences(net, inputs, targets, batch, training: true);
        _output.WriteLine($"{description}: {net.Parameters.Length} parameters, ‖num − analytic‖/‖num‖ = {relativeNorm:E2}, worst element {worst:E2}");
        Assert.True(relativeNorm < 1e-2, $"relative gradient error {relativeNorm:E2}");
        Assert.True(worst < 5e-2, $"worst element error {worst:E2}");
    }

    [Fact]
    public void Summary_shows_the_layers_shapes_and_flops()
    {
        string summary = new LrnConvNet().Summary();
        _output.WriteLine(summary);
        Assert.Contains("Lrn (LocalResponseNorm)", summary);
        Assert.Contains("Lcn (LocalContrastNorm)", new LcnConvNet().Summary());
        // LRN over [5, 4, 4]: (2·4 + 4) FLOPs per value = 960.
        Assert.Contains("960", summary);
        Assert.Contains("Mask (MaskingNoise)", new NoisyNet().Summary());
    }
}
