using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using Compiled.Nets.IO;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>Weights move both ways between PyTorch and a generated network, through safetensors files.</summary>
public class WeightFileTests
{
    private readonly ITestOutputHelper _output;
    public WeightFileTests(ITestOutputHelper output) => _output = output;

    private static (float[] Inputs, float[][] Outputs) Fixture()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(TestData.PathOf("Fixtures", "pytorch_small.json")));
        var inputs = document.RootElement.GetProperty("inputs").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => (float)v.GetDouble())).ToArray();
        var outputs = document.RootElement.GetProperty("outputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToArray();
        return (inputs, outputs);
    }

    [Fact]
    public void Generated_network_loads_pytorch_weights_and_predicts_what_pytorch_predicts()
    {
        var (inputs, expected) = Fixture();
        var net = new PyTorchSmall();
        Assert.Equal(new[] { "Hidden.weight", "Hidden.bias", "Output.weight", "Output.bias" }, net.Tensors.Select(t => t.Name));
        Assert.Equal(new[] { 5, 4 }, net.Tensors[0].Shape);
        net.Load(TestData.PathOf("Fixtures", "pytorch_small.safetensors"));
        var outputs = new float[expected.Length * 3];
        net.Predict(inputs, outputs);
        double error = GoldenTests.MaxError(outputs, expected.SelectMany(r => r).ToArray());
        _output.WriteLine($"PyTorch weights in a generated network: max output error {error:E2}");
        Assert.True(error < 1e-5);
    }

    [Fact]
    public void Save_then_load_round_trips_and_a_mismatched_file_changes_nothing()
    {
        string directory = Path.Combine(Path.GetTempPath(), "cn-weights-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var trained = new BatchNormNet(3);
            trained.EvaluateLoss(TestData.Random(8 * 5, 1), TestData.Random(8 * 3, 2), 8, training: true); // moves the running statistics
            string path = Path.Combine(directory, "bn.safetensors");
            trained.Save(path);
            var copy = new BatchNormNet(4);
            copy.Load(path);
            Assert.Equal(trained.Parameters.ToArray(), copy.Parameters.ToArray());
            foreach (var (a, b) in trained.Tensors.Zip(copy.Tensors)) Assert.Equal(a.Values.ToArray(), b.Values.ToArray());
            Assert.Contains(copy.Tensors, t => t.Name == "Norm.running_var");

            // A file for another architecture is refused whole: names and shapes are checked first.
            var other = new DropoutNet(5);
            float[] before = other.Parameters.ToArray();
            var error = Assert.Throws<InvalidDataException>(() => other.Load(path));
            _output.WriteLine(error.Message);
            Assert.Equal(before, other.Parameters.ToArray());
            Assert.Empty(Directory.GetFiles(directory, "*.tmp*"));
        }
        finally { Directory.Delete(directory, recursive: true); }
    }

    [Fact]
    public void Save_and_load_through_a_stream_round_trip_and_write_the_file_bytes()
    {
        string directory = Path.Combine(Path.GetTempPath(), "cn-weights-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var trained = new BatchNormNet(3);
            trained.EvaluateLoss(TestData.Random(8 * 5, 1), TestData.Random(8 * 3, 2), 8, training: true);
            string path = Path.Combine(directory, "bn.safetensors");
            trained.Save(path);
            var memory = new MemoryStream();
            trained.Save(memory);
            Assert.Equal(File.ReadAllBytes(path), memory.ToArray());

            var copy = new BatchNormNet(4);
            memory.Position = 0;
            copy.Load(memory);
            foreach (var (a, b) in trained.Tensors.Zip(copy.Tensors)) Assert.Equal(a.Values.ToArray(), b.Values.ToArray());

            // A stream cut short is refused whole, as a file is.
            var other = new BatchNormNet(5);
            float[] before = other.Parameters.ToArray();
            var error = Assert.Throws<InvalidDataException>(() => other.Load(new MemoryStream(memory.ToArray()[..^4])));
            Assert.StartsWith("Weight stream", error.Message);
            Assert.Equal(before, other.Parameters.ToArray());
        }
        finally { Directory.Delete(directory, recursive: true); }
    }

    [Fact]
    public void Pytorch_loads_our_file_when_python_with_torch_is_available()
    {
        const string python = "/usr/bin/python3";
        string script = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "scripts", "make_safetensors_fixtures.py"));
        if (!File.Exists(python) || !File.Exists(script) || !TorchAvailable(python))
        {
            _output.WriteLine("skipped: needs /usr/bin/python3 with torch (Debian python3-torch)");
            return;
        }
        var (inputs, _) = Fixture();
        var net = new PyTorchSmall(seed: 42);
        string path = Path.Combine(Path.GetTempPath(), $"cn-{Guid.NewGuid():N}.safetensors");
        try
        {
            net.Save(path);
            var start = new ProcessStartInfo(python, $"\"{script}\" --check \"{path}\"") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            string stdout = process.StandardOutput.ReadToEnd();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, stderr);
            using var document = JsonDocument.Parse(stdout);
            float[] theirs = document.RootElement.GetProperty("outputs").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => (float)v.GetDouble())).ToArray();
            var ours = new float[theirs.Length];
            net.Predict(inputs, ours);
            double error = GoldenTests.MaxError(ours, theirs);
            _output.WriteLine($"our weights in PyTorch (load_state_dict strict): max output error {error:E2}");
            Assert.True(error < 1e-5);
        }
        finally { File.Delete(path); }
    }

    private static bool TorchAvailable(string python)
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
