using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// Tied weights and activity penalties against PyTorch for fixed weights and inputs: outputs, the loss with its penalty,
/// gradients (a tied weight's summed over both uses) and one SGD step; and the saved tensors' names.
/// Fixtures: tests/scripts/make_plan_golden_fixtures.py (float64) → Fixtures/golden_plan.json.
/// </summary>
public class PlanGoldenTests
{
    private readonly ITestOutputHelper _output;
    public PlanGoldenTests(ITestOutputHelper output) => _output = output;

    internal static readonly Dictionary<string, Func<ITrainableNetwork>> Networks = new()
    {
        [nameof(GoldenTiedAutoencoder)] = () => new GoldenTiedAutoencoder(),
        [nameof(GoldenTiedDeep)] = () => new GoldenTiedDeep(),
        [nameof(GoldenActivityL1Sparse)] = () => new GoldenActivityL1Sparse(),
        [nameof(GoldenActivityL1Logistic)] = () => new GoldenActivityL1Logistic(),
        [nameof(GoldenActivityL1TiedSparse)] = () => new GoldenActivityL1TiedSparse(),
    };

    private sealed record PlanCase(GoldenTests.GoldenCase Golden, string[] Tensors, float Penalty);

    private static readonly Lazy<Dictionary<string, PlanCase>> Cases = new(() =>
        GoldenTests.ReadFixture("golden_plan.json", static (golden, c) => new PlanCase(golden,
            c.GetProperty("tensors").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray(),
            (float)c.GetProperty("penalty").GetDouble())).ToDictionary(c => c.Golden.Name));

    public static IEnumerable<object[]> CaseNames() => Networks.Keys.Select(k => new object[] { k });

    [Fact]
    public void Every_fixture_case_has_a_network() =>
        Assert.Equal(Networks.Keys.OrderBy(k => k), Cases.Value.Keys.OrderBy(k => k));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Matches_pytorch(string name)
    {
        var c = Cases.Value[name];
        var golden = c.Golden;
        var net = Networks[name]();
        Assert.Equal(c.Tensors, net.Tensors.Select(t => t.Name).ToArray());
        Assert.Equal(golden.Parameters.Length, net.Parameters.Length);
        golden.Parameters.CopyTo(net.Parameters);

        var outputs = new float[golden.Outputs.Length];
        net.Predict(golden.Inputs, outputs);
        double outputError = GoldenTests.MaxError(outputs, golden.Outputs);

        float loss = net.ComputeGradients(golden.Inputs, golden.Targets, golden.Batch);
        double lossError = Math.Abs(loss - golden.Loss) / Math.Max(1, Math.Abs(golden.Loss));
        double gradientError = GoldenTests.MaxError(net.Gradients.ToArray(), golden.Gradients);

        net.LearningRate = golden.LearningRate;
        net.TrainStep(golden.Inputs, golden.Targets, golden.Batch);
        double stepError = GoldenTests.MaxError(net.Parameters.ToArray(), golden.ParametersAfterSgd);

        _output.WriteLine($"{name}: outputs {outputError:E2}, loss {lossError:E2} (penalty {c.Penalty:G4}), gradients {gradientError:E2}, SGD step {stepError:E2}");
        Assert.True(outputError < 2e-5, $"outputs differ by {outputError:E2}");
        Assert.True(lossError < 2e-5, $"loss {loss} vs PyTorch {golden.Loss}");
        Assert.True(gradientError < 5e-5, $"gradients differ by {gradientError:E2}");
        Assert.True(stepError < 2e-5, $"parameters after one SGD step differ by {stepError:E2}");
    }

    internal static readonly Dictionary<string, Func<ITrainableNetwork>> DropoutNetworks = new()
    {
        [nameof(GoldenDropoutMse)] = () => new GoldenDropoutMse(),
        [nameof(GoldenDropoutTwoStreams)] = () => new GoldenDropoutTwoStreams(),
        [nameof(GoldenPReLU)] = () => new GoldenPReLU(),
    };

    private static readonly Lazy<Dictionary<string, GoldenTests.GoldenCase>> DropoutCases = new(() =>
        GoldenTests.ReadFixture("golden_layers.json", static (golden, _) => golden).ToDictionary(c => c.Name));

    public static IEnumerable<object[]> DropoutCaseNames() => DropoutNetworks.Keys.Select(k => new object[] { k });

    [Fact]
    public void Every_dropout_fixture_case_has_a_network() =>
        Assert.Equal(DropoutNetworks.Keys.OrderBy(k => k), DropoutCases.Value.Keys.OrderBy(k => k));

    /// <summary>
    /// Dropout trained with the Plan's random stream, which the fixture script reproduces (the same masks, so PyTorch's values),
    /// and PReLU (Fixtures/golden_layers.json from tests/scripts/make_layer_golden_fixtures.py).
    /// </summary>
    [Theory]
    [MemberData(nameof(DropoutCaseNames))]
    public void Dropout_and_prelu_match_pytorch(string name)
    {
        var golden = DropoutCases.Value[name];
        var net = DropoutNetworks[name]();
        golden.Parameters.CopyTo(net.Parameters);
        var outputs = new float[golden.Outputs.Length];
        net.Predict(golden.Inputs, outputs);
        float loss = net.ComputeGradients(golden.Inputs, golden.Targets, golden.Batch);
        double gradientError = GoldenTests.MaxError(net.Gradients.ToArray(), golden.Gradients);
        net.LearningRate = golden.LearningRate;
        net.TrainStep(golden.Inputs, golden.Targets, golden.Batch);
        double stepError = GoldenTests.MaxError(net.Parameters.ToArray(), golden.ParametersAfterSgd);
        _output.WriteLine($"{name}: gradients {gradientError:E2}, SGD step {stepError:E2}");
        Assert.True(GoldenTests.MaxError(outputs, golden.Outputs) < 2e-5, "inference outputs differ");
        Assert.True(Math.Abs(loss - golden.Loss) / Math.Max(1, Math.Abs(golden.Loss)) < 2e-5, $"loss {loss} vs PyTorch {golden.Loss}");
        Assert.True(gradientError < 5e-5, $"gradients differ by {gradientError:E2}");
        Assert.True(stepError < 2e-5, $"parameters after one SGD step differ by {stepError:E2}");
    }

    [Fact]
    public void A_tied_layer_owns_only_its_bias_and_reads_the_partners_weight_in_place()
    {
        var net = new GoldenTiedAutoencoder();
        Assert.Equal(3 * 6 + 3 + 6, GoldenTiedAutoencoder.ParameterCount);
        Assert.Equal(0, net.Decoder.WeightCount);
        // Changing the encoder's weight changes the decoder's output: one weight, two uses.
        var x = TestData.Random(6, seed: 3);
        var before = new float[6];
        net.Forward(x, before);
        net.Encoder.Weight[0] += 0.5f;
        var after = new float[6];
        net.Forward(x, after);
        Assert.NotEqual(before, after);
    }

    [Fact]
    public void The_activity_penalty_is_part_of_the_loss_and_zero_lambda_would_differ()
    {
        var c = Cases.Value[nameof(GoldenActivityL1Sparse)];
        var net = new GoldenActivityL1Sparse();
        c.Golden.Parameters.CopyTo(net.Parameters);
        float loss = net.EvaluateLoss(c.Golden.Inputs, c.Golden.Targets, c.Golden.Batch);
        Assert.True(c.Penalty > 1e-3f);
        Assert.Equal(c.Golden.Loss, loss, 4);
    }
}
