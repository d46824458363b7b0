using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Compiled.Nets.CompilerServices;
using Compiled.Nets.Optimizers;
using Compiled.Nets.Training;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// Stochastic neurons: PyTorch golden values (the straight-through estimators written as PyTorch's detach idiom),
/// finite differences for a differentiable unit, E[H(a + z)] = σ(a) over 10⁵ draws, and learning XOR and MNIST.
/// </summary>
public class StochasticTests
{
    private readonly ITestOutputHelper _output;
    public StochasticTests(ITestOutputHelper output) => _output = output;

    internal static readonly Dictionary<string, Func<ITrainableNetwork>> Networks = new()
    {
        [nameof(GoldenStochasticBinary)] = () => new GoldenStochasticBinary(),
        [nameof(GoldenStochasticSign)] = () => new GoldenStochasticSign(),
        [nameof(GoldenStochasticTanh)] = () => new GoldenStochasticTanh(),
    };

    private static readonly Lazy<Dictionary<string, GoldenTests.GoldenCase>> Cases = new(() =>
        GoldenTests.ReadFixture("golden_stochastic.json", static (golden, _) => golden).ToDictionary(c => c.Name));

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

    /// <summary>The networks the central-difference check below runs on (for the family checklist).</summary>
    internal static IEnumerable<ITrainableNetwork> GradientCheckNetworks() => new ITrainableNetwork[] { new GoldenStochasticTanh(9) };

    [Fact]
    public void A_noisy_tanh_unit_has_the_exact_gradient_at_its_noisy_point()
    {
        var net = GradientCheckNetworks().Single();
        const int batch = 4;
        // Training mode in both: the same step, so the same logistic noise in every evaluation.
        var (relative, worst) = GradientCheckTests.CompareWithCentralDifferences(net, TestData.Random(batch * 4, 100), TestData.Random(batch * 2, 200), batch, training: true);
        _output.WriteLine($"‖numeric − analytic‖ / ‖numeric‖ = {relative:E2}, worst element {worst:E2}");
        Assert.True(relative < 1e-2, $"relative gradient error {relative:E2}");
    }

    [Fact]
    public void Logistic_noise_has_the_standard_logistic_distribution_over_100000_draws()
    {
        const int n = 100_000;
        double sum = 0, squares = 0;
        int belowOne = 0;
        for (uint i = 0; i < n; i++)
        {
            double z = CounterRandom.Logistic(12345, 3, 1, i);
            Assert.True(double.IsFinite(z));
            sum += z;
            squares += z * z;
            if (z < 1) belowOne++;
        }
        double mean = sum / n, variance = squares / n - mean * mean, expectedVariance = Math.PI * Math.PI / 3;
        double cdf = (double)belowOne / n, sigmoidOne = 1 / (1 + Math.Exp(-1));
        _output.WriteLine($"mean {mean:F4}, variance {variance:F4} (π²/3 = {expectedVariance:F4}), P(z < 1) {cdf:F4} (σ(1) = {sigmoidOne:F4})");
        Assert.InRange(mean, -3 * Math.Sqrt(expectedVariance / n), 3 * Math.Sqrt(expectedVariance / n));
        // The variance of z² for the logistic is 16π⁴/15 − (π²/3)² ≈ 93.5: its standard error over n draws ≈ 0.031.
        Assert.InRange(variance, expectedVariance - 3 * 0.031, expectedVariance + 3 * 0.031);
        Assert.InRange(cdf, sigmoidOne - 3 * Math.Sqrt(sigmoidOne * (1 - sigmoidOne) / n), sigmoidOne + 3 * Math.Sqrt(sigmoidOne * (1 - sigmoidOne) / n));
    }

    /// <summary>
    /// The course's identity E[H(a + z)] = σ(a) for standard logistic z: 200 units with a from −3 to 3, 500 samples:
    /// 10⁵ draws, the mean of each fifth of the range within three standard errors of its σ(a) mean.
    /// </summary>
    [Fact]
    public void Binary_units_fire_with_probability_sigmoid_of_their_input_within_three_standard_errors()
    {
        using var net = new StochasticMean();
        const int units = 200, batch = 500, groups = 5, perGroup = units / groups;
        var a = Enumerable.Range(0, units).Select(i => -3f + 6f * i / (units - 1)).ToArray();
        var inputs = Enumerable.Range(0, batch).SelectMany(_ => a).ToArray();
        // Dense(1) reads one group at a time: weight 1/40 on its units, 0 elsewhere, so the output is the group's mean.
        double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        var outputs = new float[batch];
        for (int g = 0; g < groups; g++)
        {
            var weights = net.Tensors.Single(t => t.Name == "Mean.weight").Values;
            weights.Clear();
            weights.Slice(g * perGroup, perGroup).Fill(1f / perGroup);
            net.ForwardTraining(inputs, outputs, batch);
            double observed = outputs.Average();
            var p = a.Skip(g * perGroup).Take(perGroup).Select(v => Sigmoid(v)).ToArray();
            double expected = p.Average();
            double standardError = Math.Sqrt(p.Sum(q => q * (1 - q)) * batch) / (perGroup * batch);
            _output.WriteLine($"a in [{a[g * perGroup]:F2}, {a[g * perGroup + perGroup - 1]:F2}]: {observed:F4} fired vs σ mean {expected:F4} (SE {standardError:F4}, {perGroup * batch} draws)");
            Assert.InRange(observed, expected - 3 * standardError, expected + 3 * standardError);
            // At inference the units are deterministic: H(a).
            var predicted = new float[1];
            net.Predict(a, predicted);
            Assert.Equal(a.Skip(g * perGroup).Take(perGroup).Count(v => v >= 0) / (float)perGroup, predicted[0], 5);
        }
        // Different steps draw different noise; the same step draws the same.
        var first = new float[batch];
        net.ForwardTraining(inputs, first, batch);
        net.ForwardTraining(inputs, outputs, batch);
        Assert.Equal(first, outputs);
        net.ApplyGradients();
        net.ForwardTraining(inputs, outputs, batch);
        Assert.NotEqual(first, outputs);
    }

    [Fact]
    public void Binary_stochastic_hidden_units_learn_xor_through_the_straight_through_estimator()
    {
        using var net = new StochasticXor { Optimizer = new Adam(0.02f) };
        float[] x = { 0, 0, 0, 1, 1, 0, 1, 1 }, t = { 0, 1, 1, 0 };
        float first = net.EvaluateLoss(x, t, 4, training: true), loss = 0;
        for (int step = 0; step < 2000; step++) loss = net.TrainStep(x, t, 4);
        var y = new float[4];
        net.Predict(x, y);
        _output.WriteLine($"loss {first:F4} → {loss:F4}; deterministic outputs {string.Join(", ", y.Select(v => v.ToString("F3")))}");
        for (int i = 0; i < 4; i++) Assert.True(t[i] == 1 ? y[i] > 0.8f : y[i] < 0.2f, $"XOR({x[2 * i]}, {x[2 * i + 1]}) = {y[i]:F3}");
    }

    [Fact]
    public void A_small_mnist_classifier_with_binary_stochastic_hidden_units_learns()
    {
        var (train, test) = Compiled.Nets.Data.Mnist.LoadDirectory(TestData.PathOf("data", "mnist"));
        using var net = new StochasticMnist { Optimizer = new Adam(1e-3f) };
        var clock = Stopwatch.StartNew();
        net.Fit(train, new FitOptions { Epochs = 10, BatchSize = 64, Seed = 1 });
        var (loss, accuracy) = Trainer.Evaluate(net, test);
        _output.WriteLine($"784-128 binary stochastic-10: test accuracy {accuracy:P2} (loss {loss:F4}) after 10 epochs, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(accuracy > 0.92, $"test accuracy {accuracy:P2}");
    }
}
