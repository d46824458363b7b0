using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.CompilerServices;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// The variational autoencoder's pieces against PyTorch (the same ε, reproduced from the random stream): outputs at
/// inference (z = μ), the loss with its KL term, gradients and one SGD step; finite differences through the sample;
/// decoding samples from the prior.
/// </summary>
public class GenerativeTests
{
    private readonly ITestOutputHelper _output;
    public GenerativeTests(ITestOutputHelper output) => _output = output;

    internal static readonly Dictionary<string, Func<ITrainableNetwork>> Networks = new()
    {
        [nameof(GoldenVae)] = () => new GoldenVae(),
        [nameof(GoldenBetaVae)] = () => new GoldenBetaVae(),
        [nameof(GoldenKlSparse)] = () => new GoldenKlSparse(),
        [nameof(GoldenDcganDiscriminator)] = () => new GoldenDcganDiscriminator(),
        [nameof(GoldenDcganGenerator)] = () => new GoldenDcganGenerator(),
    };

    private static readonly Lazy<Dictionary<string, GoldenTests.GoldenCase>> Cases = new(() =>
        GoldenTests.ReadFixture("golden_generative.json", static (golden, _) => golden).ToDictionary(c => c.Name));

    public static IEnumerable<object[]> CaseNames() => Networks.Keys.Select(k => new object[] { k });

    [Fact]
    public void Every_fixture_case_has_a_network() =>
        Assert.Equal(Networks.Keys.OrderBy(k => k), Cases.Value.Keys.OrderBy(k => k));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Matches_pytorch(string name)
    {
        var golden = Cases.Value[name];
        var (outputError, loss, lossError, gradientError, stepError) = GoldenTests.Compare(Networks[name](), golden);
        _output.WriteLine($"{name}: outputs {outputError:E2}, loss {loss} vs {golden.Loss} ({lossError:E2}), gradients {gradientError:E2}, SGD step {stepError:E2}");
        Assert.True(outputError < 2e-5, $"inference outputs differ by {outputError:E2}");
        Assert.True(lossError < 2e-5, $"loss {loss} vs PyTorch {golden.Loss}");
        Assert.True(gradientError < 1e-4, $"gradients differ by {gradientError:E2}");
        Assert.True(stepError < 2e-5, $"parameters after one SGD step differ by {stepError:E2}");
    }

    /// <summary>
    /// DCGAN's pieces (BatchNorm with leaky ReLU 0.2 in the discriminator, transposed convolutions with BatchNorm and a tanh
    /// output in the generator) against central differences of the training-mode loss, in the batch's own statistics.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Dcgan_pieces_gradients_match_finite_differences(int which)
    {
        ITrainableNetwork net = which == 0 ? new GoldenDcganDiscriminator(7) : new GoldenDcganGenerator(8);
        // Larger weights than DCGAN's N(0, 0.02), so that every path carries a gradient well above float rounding.
        var random = new SeededRandom(40 + which);
        var p = net.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] += 0.3f * random.NextGaussian();
        const int batch = 4;
        float[] x = TestData.Random(batch * net.InputLength, seed: 100);
        float[] t = which == 0 ? new float[] { 1, 0, 1, 0 } : TestData.Random(batch * net.OutputLength, seed: 200);
        var (relative, worst) = GradientCheckTests.CompareWithCentralDifferences(net, x, t, batch, training: true);
        _output.WriteLine($"{net.GetType().Name}: ‖numeric − analytic‖ / ‖numeric‖ = {relative:E2}, worst element {worst:E2}");
        Assert.True(relative < 1e-2, $"‖numeric − analytic‖ / ‖numeric‖ = {relative:E2}");
    }

    [Fact]
    public void Dcgan_initialization_draws_weights_from_a_normal_of_standard_deviation_0_02()
    {
        using var net = new Compiled.Nets.Samples.Gan.DigitGenerator(3);
        var weights = net.Tensors.Single(t => t.Name == "Up1.weight").Values.ToArray();
        double mean = weights.Average(), std = Math.Sqrt(weights.Average(w => (w - mean) * (w - mean)));
        _output.WriteLine($"Up1.weight: {weights.Length} values, mean {mean:E2}, std {std:F5}");
        // n = 32 768 draws: the standard error of the std is 0.02 / √(2n) ≈ 7.8e-5; five of them.
        Assert.InRange(std, 0.02 - 4e-4, 0.02 + 4e-4);
        Assert.InRange(mean, -5 * 0.02 / Math.Sqrt(weights.Length), 5 * 0.02 / Math.Sqrt(weights.Length));
        Assert.All(net.Tensors.Single(t => t.Name == "Norm1.weight").Values.ToArray(), g => Assert.Equal(1f, g));
        Assert.All(net.Tensors.Single(t => t.Name == "Up1.bias").Values.ToArray(), b => Assert.Equal(0f, b));
    }

    /// <summary>The networks the central-difference check below runs on (for the family checklist).</summary>
    internal static IEnumerable<ITrainableNetwork> GradientCheckNetworks() => new ITrainableNetwork[] { new GoldenVae(5), new GoldenKlSparse(6) };

    public static IEnumerable<object[]> GradientCheckNames() => new[] { new object[] { 0 }, new object[] { 1 } };

    [Theory]
    [MemberData(nameof(GradientCheckNames))]
    public void Gradients_through_the_sample_the_kl_term_and_the_sparsity_penalty_match_finite_differences(int which)
    {
        var net = GradientCheckNetworks().ElementAt(which);
        const int batch = 3;
        var random = new SeededRandom(4);
        float[] x = Enumerable.Range(0, batch * 6).Select(_ => random.NextFloat()).ToArray();
        net.ComputeGradients(x, x, batch);
        float[] analytic = net.Gradients.ToArray();
        var p = net.Parameters;
        double difference = 0, norm = 0;
        for (int i = 0; i < p.Length; i++)
        {
            float saved = p[i];
            p[i] = saved + 1e-3f;
            double plus = net.EvaluateLoss(x, x, batch, training: true); // the same step: the same ε
            p[i] = saved - 1e-3f;
            double minus = net.EvaluateLoss(x, x, batch, training: true);
            p[i] = saved;
            double numeric = (plus - minus) / 2e-3;
            difference += (numeric - analytic[i]) * (numeric - analytic[i]);
            norm += numeric * numeric;
        }
        double relative = Math.Sqrt(difference / norm);
        Assert.True(relative < 1e-2, $"‖numeric − analytic‖ / ‖numeric‖ = {relative:E2}");
    }

    [Fact]
    public void The_kl_term_alone_pulls_mu_to_zero_and_log_variance_to_zero()
    {
        // With the decoder's weights zero, only the KL term depends on μ and log σ²: training drives them to N(0, 1).
        var net = new GoldenBetaVae(2) { LearningRate = 0.5f };
        net.Up.Weight.Clear();
        const int batch = 4;
        float[] x = Enumerable.Repeat(0.5f, batch * 6).ToArray();
        for (int step = 0; step < 400; step++) net.TrainStep(x, x, batch);
        var mu = new float[batch * 3];
        var composable = (IComposableNetwork)net;
        composable.ForwardTo(net.Mu, x, mu);
        var logVar = new float[batch * 3];
        composable.ForwardTo(net.LogVar, x, logVar);
        Assert.All(mu, m => Assert.InRange(m, -0.02f, 0.02f));
        Assert.All(logVar, v => Assert.InRange(v, -0.02f, 0.02f));
    }

    [Fact]
    public void Samples_from_the_prior_decode_through_forward_from_and_inference_uses_the_mean()
    {
        using var net = new GoldenVae(7);
        const int count = 5;
        var random = new SeededRandom(8);
        float[] prior = Enumerable.Range(0, count * 3).Select(_ => random.NextGaussian()).ToArray();
        var images = new float[count * 6];
        net.ForwardFrom(net.Z, prior, images);
        Assert.All(images, v => Assert.InRange(v, 0f, 1f));
        // Inference: z = μ, so decoding μ gives Predict's output exactly.
        float[] x = Enumerable.Range(0, count * 6).Select(_ => random.NextFloat()).ToArray();
        var mu = new float[count * 3];
        net.ForwardTo(net.Mu, x, mu);
        var decoded = new float[count * 6];
        net.ForwardFrom(net.Z, mu, decoded);
        var predicted = new float[count * 6];
        net.Predict(x, predicted);
        Assert.Equal(predicted, decoded);
    }

    [Fact]
    public void Epsilon_is_a_standard_normal_within_three_standard_errors_over_200000_draws()
    {
        const int n = 200_000;
        double sum = 0, squares = 0, fourth = 0;
        for (int i = 0; i < n; i++)
        {
            double e = CounterRandom.Normal(17, 3, 0, (uint)i);
            sum += e;
            squares += e * e;
            fourth += e * e * e * e;
        }
        double mean = sum / n, variance = squares / n - mean * mean;
        Assert.InRange(mean, -3 / Math.Sqrt(n), 3 / Math.Sqrt(n));
        Assert.InRange(variance, 1 - 3 * Math.Sqrt(2.0 / n), 1 + 3 * Math.Sqrt(2.0 / n));
        Assert.InRange(fourth / n, 3 - 3 * Math.Sqrt(96.0 / n), 3 + 3 * Math.Sqrt(96.0 / n)); // kurtosis 3; Var(e⁴) = 105 − 9
    }
}
