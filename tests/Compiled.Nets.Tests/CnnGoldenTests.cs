using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// CNN and graph layers against PyTorch for fixed weights and inputs: outputs, loss, gradients, BatchNorm running
/// statistics and one SGD step. Fixtures: tests/scripts/make_cnn_golden_fixtures.py (float64) → Fixtures/golden_cnn.json.
/// </summary>
public class CnnGoldenTests
{
    private readonly ITestOutputHelper _output;
    public CnnGoldenTests(ITestOutputHelper output) => _output = output;

    internal static readonly Dictionary<string, Func<ITrainableNetwork>> Networks = new()
    {
        [nameof(ConvValidStride2)] = () => new ConvValidStride2(),
        [nameof(ConvSameFullGroups)] = () => new ConvSameFullGroups(),
        [nameof(PoolingNet)] = () => new PoolingNet(),
        [nameof(Conv1DNet)] = () => new Conv1DNet(),
        [nameof(ResidualNet)] = () => new ResidualNet(),
        [nameof(TransposedUnpoolNet)] = () => new TransposedUnpoolNet(),
        [nameof(SeparableMaxoutNet)] = () => new SeparableMaxoutNet(),
    };

    private sealed record CnnCase(GoldenTests.GoldenCase Golden, float[] State);

    private static readonly Lazy<Dictionary<string, CnnCase>> Cases = new(() =>
        GoldenTests.ReadFixture("golden_cnn.json", static (golden, c) => new CnnCase(golden, GoldenTests.Floats(c.GetProperty("state"))))
            .ToDictionary(c => c.Golden.Name));

    public static IEnumerable<object[]> CaseNames() => Networks.Keys.Select(k => new object[] { k });

    [Fact]
    public void Every_fixture_case_has_a_network()
    {
        Assert.Equal(Networks.Keys.OrderBy(k => k), Cases.Value.Keys.OrderBy(k => k));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Matches_pytorch(string name)
    {
        var (golden, state) = Cases.Value[name];
        var net = Networks[name]();
        Assert.Equal(golden.Parameters.Length, net.Parameters.Length);
        golden.Parameters.CopyTo(net.Parameters);

        // PyTorch's outputs are in training mode; without BatchNorm that is inference too.
        double outputError = 0;
        if (state.Length == 0)
        {
            var outputs = new float[golden.Outputs.Length];
            net.Predict(golden.Inputs, outputs);
            outputError = GoldenTests.MaxError(outputs, golden.Outputs);
        }

        float loss = net.ComputeGradients(golden.Inputs, golden.Targets, golden.Batch);
        double lossError = Math.Abs(loss - golden.Loss) / Math.Max(1, Math.Abs(golden.Loss));
        double gradientError = GoldenTests.MaxError(net.Gradients.ToArray(), golden.Gradients);
        double stateError = 0;
        if (state.Length > 0)
        {
            var running = net.Tensors.Where(t => t.Name.EndsWith(".running_mean") || t.Name.EndsWith(".running_var")).SelectMany(t => t.Values.ToArray()).ToArray();
            stateError = GoldenTests.MaxError(running, state);
            // Put the running statistics back, so the step below starts where PyTorch's did.
            foreach (var t in net.Tensors.Where(t => t.Name.EndsWith(".running_mean"))) t.Values.Fill(0f);
            foreach (var t in net.Tensors.Where(t => t.Name.EndsWith(".running_var"))) t.Values.Fill(1f);
        }

        net.LearningRate = golden.LearningRate;
        net.TrainStep(golden.Inputs, golden.Targets, golden.Batch);
        double stepError = GoldenTests.MaxError(net.Parameters.ToArray(), golden.ParametersAfterSgd);

        _output.WriteLine($"{name}: outputs {outputError:E2}, loss {lossError:E2}, gradients {gradientError:E2}, running statistics {stateError:E2}, SGD step {stepError:E2}");
        Assert.True(outputError < 2e-5, $"outputs differ by {outputError:E2}");
        Assert.True(lossError < 2e-5, $"loss {loss} vs PyTorch {golden.Loss}");
        Assert.True(gradientError < 5e-5, $"gradients differ by {gradientError:E2}");
        Assert.True(stateError < 2e-5, $"running statistics differ by {stateError:E2}");
        Assert.True(stepError < 2e-5, $"parameters after one SGD step differ by {stepError:E2}");
    }
}
