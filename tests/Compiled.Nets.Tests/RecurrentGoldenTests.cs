using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using Compiled.Nets.IO;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// SimpleRnn, Lstm (and the peephole reference) and Gru against PyTorch's nn.RNN/LSTM/GRU for fixed weights and inputs:
/// tensor names and shapes, outputs, loss, gradients and one SGD step; and weight files both ways.
/// Fixtures: tests/scripts/make_recurrent_golden_fixtures.py (float64) → Fixtures/golden_recurrent.json.
/// </summary>
public class RecurrentGoldenTests
{
    private readonly ITestOutputHelper _output;
    public RecurrentGoldenTests(ITestOutputHelper output) => _output = output;

    internal static readonly Dictionary<string, Func<ITrainableNetwork>> Networks = new()
    {
        [nameof(GoldenRnnTanh)] = () => new GoldenRnnTanh(),
        [nameof(GoldenRnnReluSequence)] = () => new GoldenRnnReluSequence(),
        [nameof(GoldenRnnLeaky)] = () => new GoldenRnnLeaky(),
        [nameof(GoldenLstm)] = () => new GoldenLstm(),
        [nameof(GoldenLstmPeephole)] = () => new GoldenLstmPeephole(),
        [nameof(GoldenGru)] = () => new GoldenGru(),
        [nameof(GoldenStackedLstm)] = () => new GoldenStackedLstm(),
        [nameof(GoldenStackedGruSequence)] = () => new GoldenStackedGruSequence(),
        [nameof(GoldenEmbeddingLstm)] = () => new GoldenEmbeddingLstm(),
        [nameof(GoldenInitialStateLstm)] = () => new GoldenInitialStateLstm(),
        [nameof(GoldenInitialStateGru)] = () => new GoldenInitialStateGru(),
        [nameof(GoldenEmbeddingGruLogits)] = () => new GoldenEmbeddingGruLogits(),
    };

    private sealed record RecurrentCase(GoldenTests.GoldenCase Golden, (string Name, int[] Shape)[] Tensors);

    private static readonly Lazy<Dictionary<string, RecurrentCase>> Cases = new(() =>
        GoldenTests.ReadFixture("golden_recurrent.json", static (golden, c) => new RecurrentCase(golden,
            c.GetProperty("tensors").EnumerateArray()
                .Select(t => (t.GetProperty("name").GetString()!, t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray())).ToArray()))
            .ToDictionary(c => c.Golden.Name));

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
        // PyTorch's state_dict: the same names, shapes and order.
        Assert.Equal(c.Tensors.Select(t => t.Name), net.Tensors.Select(t => t.Name));
        foreach (var ((tensorName, shape), tensor) in c.Tensors.Zip(net.Tensors))
            Assert.True(shape.SequenceEqual(tensor.Shape), $"{tensorName}: PyTorch [{string.Join(", ", shape)}], ours [{string.Join(", ", tensor.Shape)}]");
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

        _output.WriteLine($"{name}: outputs {outputError:E2}, loss {lossError:E2}, gradients {gradientError:E2}, SGD step {stepError:E2}");
        Assert.True(outputError < 2e-5, $"outputs differ by {outputError:E2}");
        Assert.True(lossError < 2e-5, $"loss {loss} vs PyTorch {golden.Loss}");
        Assert.True(gradientError < 5e-5, $"gradients differ by {gradientError:E2}");
        Assert.True(stepError < 2e-5, $"parameters after one SGD step differ by {stepError:E2}");
    }

    private static (float[] Inputs, float[] Outputs) Interop()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(TestData.PathOf("Fixtures", "recurrent_pytorch.json")));
        return (GoldenTests.Floats(document.RootElement.GetProperty("inputs")), GoldenTests.Floats(document.RootElement.GetProperty("outputs")));
    }

    [Fact]
    public void Loads_a_pytorch_state_dict_and_gives_its_outputs()
    {
        var (inputs, expected) = Interop();
        var net = new GoldenStackedLstm(3);
        net.Load(TestData.PathOf("Fixtures", "recurrent_pytorch.safetensors"));
        var outputs = new float[expected.Length];
        net.Predict(inputs, outputs);
        double error = GoldenTests.MaxError(outputs, expected);
        _output.WriteLine($"PyTorch's nn.LSTM weights (stacked, with a projection) in our network: max output error {error:E2}");
        Assert.True(error < 1e-5, $"outputs differ by {error:E2}");
    }

    [Fact]
    public void Pytorch_loads_our_file_with_strict_names_when_python_with_torch_is_available()
    {
        const string python = "/usr/bin/python3";
        string script = TestData.RepositoryPath("tests", "scripts", "make_recurrent_golden_fixtures.py");
        if (!File.Exists(python) || !File.Exists(script) || !PythonHasTorch(python))
        {
            _output.WriteLine("skipped: needs /usr/bin/python3 with torch (Debian python3-torch)");
            return;
        }
        var (inputs, _) = Interop();
        var net = new GoldenStackedLstm(seed: 42);
        string path = Path.Combine(Path.GetTempPath(), $"cn-{Guid.NewGuid():N}.safetensors");
        try
        {
            net.Save(path);
            var start = new ProcessStartInfo(python, $"\"{script}\" --check {nameof(GoldenStackedLstm)} \"{path}\"") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            string stdout = process.StandardOutput.ReadToEnd();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, stderr);
            using var document = JsonDocument.Parse(stdout);
            float[] theirs = GoldenTests.Floats(document.RootElement.GetProperty("outputs"));
            var ours = new float[theirs.Length];
            net.Predict(inputs, ours);
            double error = GoldenTests.MaxError(ours, theirs);
            _output.WriteLine($"our weights in PyTorch's nn.LSTM (load_state_dict strict): max output error {error:E2}");
            Assert.True(error < 1e-5);
        }
        finally { File.Delete(path); }
    }

    private static bool PythonHasTorch(string python)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(python, "-c \"import torch\"") { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit(60_000);
            return process.ExitCode == 0;
        }
        catch (Exception) { return false; }
    }
}
