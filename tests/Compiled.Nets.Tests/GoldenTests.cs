using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// Forward values, loss, gradients and one SGD step against PyTorch for fixed weights and inputs.
/// Fixtures: tests/scripts/make_golden_fixtures.py (PyTorch, float64) → Fixtures/golden_dense.json.
/// </summary>
public class GoldenTests
{
    private readonly ITestOutputHelper _output;
    public GoldenTests(ITestOutputHelper output) => _output = output;

    internal static readonly Dictionary<string, Func<ITrainableNetwork>> Networks = new()
    {
        [nameof(GoldenTanhLogisticBce)] = () => new GoldenTanhLogisticBce(),
        [nameof(GoldenReluSoftmaxCe)] = () => new GoldenReluSoftmaxCe(),
        [nameof(GoldenLeakySoftplusMse)] = () => new GoldenLeakySoftplusMse(),
        [nameof(GoldenLogisticSlopeMse)] = () => new GoldenLogisticSlopeMse(),
        [nameof(GoldenLogitsCe)] = () => new GoldenLogitsCe(),
        [nameof(GoldenHiddenSoftmaxBce)] = () => new GoldenHiddenSoftmaxBce(),
        [nameof(GoldenSoftmaxMse)] = () => new GoldenSoftmaxMse(),
        [nameof(GoldenLargeReluCe)] = () => new GoldenLargeReluCe(),
        [nameof(GoldenLargeLeakyLogisticMse)] = () => new GoldenLargeLeakyLogisticMse(),
    };

    public sealed record GoldenCase(string Name, int Batch, float[] Parameters, float[] Inputs, float[] Targets,
        float[] Outputs, float Loss, float[] Gradients, float LearningRate, float[] ParametersAfterSgd);

    private static readonly Lazy<Dictionary<string, GoldenCase>> Cases = new(() =>
        ReadFixture("golden_dense.json", static (golden, _) => golden).ToDictionary(c => c.Name));

    /// <summary>Every case of a fixture file (tests/scripts/make_*_golden_fixtures.py), with whatever else <paramref name="read"/> takes from it.</summary>
    internal static List<T> ReadFixture<T>(string file, Func<GoldenCase, JsonElement, T> read)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(TestData.PathOf("Fixtures", file)));
        var cases = new List<T>();
        foreach (var c in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            var golden = new GoldenCase(c.GetProperty("name").GetString()!, c.GetProperty("batch").GetInt32(),
                Floats(c.GetProperty("parameters")), Floats(c.GetProperty("inputs")), Floats(c.GetProperty("targets")),
                Floats(c.GetProperty("outputs")), (float)c.GetProperty("loss").GetDouble(), Floats(c.GetProperty("gradients")),
                (float)c.GetProperty("learning_rate").GetDouble(), Floats(c.GetProperty("parameters_after_sgd")));
            cases.Add(read(golden, c));
        }
        return cases;
    }

    /// <summary>How far a network is from a fixture case: outputs at inference, the loss, the gradients and one SGD step.</summary>
    internal sealed record Errors(double Outputs, float Loss, double LossRelative, double Gradients, double Step);

    /// <summary>Loads the case's parameters into <paramref name="net"/>, then compares its outputs, loss, gradients and one SGD step with the case's.</summary>
    internal static Errors Compare(ITrainableNetwork net, GoldenCase golden)
    {
        Assert.Equal(golden.Parameters.Length, net.Parameters.Length);
        golden.Parameters.CopyTo(net.Parameters);
        var outputs = new float[golden.Outputs.Length];
        net.Predict(golden.Inputs, outputs);
        double outputError = MaxError(outputs, golden.Outputs);
        float loss = net.ComputeGradients(golden.Inputs, golden.Targets, golden.Batch);
        double lossError = Math.Abs(loss - golden.Loss) / Math.Max(1, Math.Abs(golden.Loss));
        double gradientError = MaxError(net.Gradients.ToArray(), golden.Gradients);
        net.LearningRate = golden.LearningRate;
        net.TrainStep(golden.Inputs, golden.Targets, golden.Batch);
        return new Errors(outputError, loss, lossError, gradientError, MaxError(net.Parameters.ToArray(), golden.ParametersAfterSgd));
    }

    internal static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

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
        var golden = Cases.Value[name];
        var net = Networks[name]();
        Assert.Equal(golden.Parameters.Length, net.Parameters.Length);
        golden.Parameters.CopyTo(net.Parameters);

        var outputs = new float[golden.Outputs.Length];
        net.Predict(golden.Inputs, outputs);
        double outputError = MaxError(outputs, golden.Outputs);

        float loss = net.ComputeGradients(golden.Inputs, golden.Targets, golden.Batch);
        double lossError = Math.Abs(loss - golden.Loss) / Math.Max(1, Math.Abs(golden.Loss));
        double gradientError = MaxError(net.Gradients.ToArray(), golden.Gradients);

        net.LearningRate = golden.LearningRate;
        net.TrainStep(golden.Inputs, golden.Targets, golden.Batch);
        double stepError = MaxError(net.Parameters.ToArray(), golden.ParametersAfterSgd);

        _output.WriteLine($"{name}: outputs {outputError:E2}, loss {lossError:E2}, gradients {gradientError:E2}, SGD step {stepError:E2} (max error relative to max(1, |value|))");
        Assert.True(outputError < 2e-5, $"outputs differ by {outputError:E2}");
        Assert.True(lossError < 2e-5, $"loss {loss} vs PyTorch {golden.Loss}");
        Assert.True(gradientError < 5e-5, $"gradients differ by {gradientError:E2}");
        Assert.True(stepError < 2e-5, $"parameters after one SGD step differ by {stepError:E2}");
    }

    /// <summary>Largest |a − b| / max(1, |b|).</summary>
    internal static double MaxError(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int i = 0; i < actual.Length; i++)
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i])));
        return max;
    }
}
