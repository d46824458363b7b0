using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Compiled.Nets.IO;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// Weight files exchanged with PyTorch: torch.nn.Sequential(Linear(4, 5), Tanh(), Linear(5, 3)), written and
/// checked by tests/scripts/make_safetensors_fixtures.py.
/// </summary>
public sealed class PyTorchInteropTests : IDisposable
{
    private const int In = 4, Hidden = 5, Out = 3;
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _dir = new();

    public PyTorchInteropTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dir.Dispose();

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    private static string ScriptPath([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "scripts", "make_safetensors_fixtures.py"));

    /// <summary>The network's tensors over one float[43] arena, in PyTorch's state_dict order.</summary>
    private static (NamedTensor[] Tensors, float[] Arena) Network()
    {
        var arena = new float[Hidden * In + Hidden + Out * Hidden + Out];
        Assert.Equal(43, arena.Length);
        var tensors = new[]
        {
            new NamedTensor("Hidden.weight", new[] { Hidden, In }, arena, 0),
            new NamedTensor("Hidden.bias", new[] { Hidden }, arena, 20),
            new NamedTensor("Output.weight", new[] { Out, Hidden }, arena, 25),
            new NamedTensor("Output.bias", new[] { Out }, arena, 40),
        };
        return (tensors, arena);
    }

    /// <summary>tanh(W1 x + b1), then W2 h + b2, by hand (weights [out, in] row-major).</summary>
    private static double[] Forward(float[] p, IReadOnlyList<double> x)
    {
        var h = new double[Hidden];
        for (int j = 0; j < Hidden; j++)
        {
            double sum = p[20 + j];
            for (int i = 0; i < In; i++) sum += p[j * In + i] * x[i];
            h[j] = Math.Tanh(sum);
        }
        var y = new double[Out];
        for (int k = 0; k < Out; k++)
        {
            double sum = p[40 + k];
            for (int j = 0; j < Hidden; j++) sum += p[25 + k * Hidden + j] * h[j];
            y[k] = sum;
        }
        return y;
    }

    private static double[][] Rows(JsonElement array) =>
        array.EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();

    private static (double[][] Inputs, double[][] Outputs) Cases()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Fixture("pytorch_small.json")));
        return (Rows(json.RootElement.GetProperty("inputs")), Rows(json.RootElement.GetProperty("outputs")));
    }

    [Fact]
    public void A_file_written_by_PyTorch_loads_and_gives_PyTorch_outputs()
    {
        var (tensors, arena) = Network();
        SafeTensors.Load(tensors, Fixture("pytorch_small.safetensors"));
        Assert.Equal("pt", SafeTensors.ReadMetadata(Fixture("pytorch_small.safetensors"))["format"]);

        var (inputs, outputs) = Cases();
        Assert.Equal(6, inputs.Length);
        for (int s = 0; s < inputs.Length; s++)
        {
            double[] ours = Forward(arena, inputs[s]);
            for (int k = 0; k < Out; k++) Assert.Equal(outputs[s][k], ours[k], 1e-5);
        }
    }

    [Fact]
    public void A_file_written_by_us_loads_into_PyTorch_strictly()
    {
        // Weights of our own, so that PyTorch cannot pass by returning the fixture's outputs.
        var (tensors, arena) = Network();
        var random = new SeededRandom(11);
        for (int i = 0; i < arena.Length; i++) arena[i] = random.NextGaussian() * 0.5f;
        string path = _dir.File("ours.safetensors");
        SafeTensors.Save(tensors, path, new Dictionary<string, string> { ["format"] = "pt" });

        if (!TorchAvailable())
        {
            _output.WriteLine("Skipped the PyTorch cross-check: /usr/bin/python3 with torch is not available.");
            return;
        }
        string stdout = RunPython(ScriptPath(), "--check", path);
        using var json = JsonDocument.Parse(stdout);
        double[][] torchOutputs = Rows(json.RootElement.GetProperty("outputs"));

        var (inputs, _) = Cases();
        Assert.Equal(inputs.Length, torchOutputs.Length);
        for (int s = 0; s < inputs.Length; s++)
        {
            double[] ours = Forward(arena, inputs[s]);
            for (int k = 0; k < Out; k++) Assert.Equal(torchOutputs[s][k], ours[k], 1e-5);
        }
    }

    private const string Python = "/usr/bin/python3";

    private static bool TorchAvailable()
    {
        if (!File.Exists(Python)) return false;
        try
        {
            RunPython("-c", "import torch, numpy");
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string RunPython(params string[] arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("python3 did not finish within 2 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"python3 {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr.Result}");
        return stdout;
    }
}
