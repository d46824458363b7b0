using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Compiled.Nets.Quantization;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// Batch-1 latency of the float32 networks against their int8 models (<c>Quantize</c>), for the MLP 784-128-64-10 and
/// LeNet-5 of Networks.cs; compare.py pairs ForwardMlpInt8 and ForwardLeNet5Int8 with the ONNX Runtime anchor's
/// methods of the same names, which run the same quantised models exported by <see cref="ExportModels"/> and
/// tests/benchmarks/export_onnx.py. The weights are the networks' seeded initialisation and the calibration 256 random
/// images in [0, 1) (the inputs' distribution): the timing depends on neither.
/// </summary>
[MemoryDiagnoser]
public class QuantizedInference
{
    private readonly Mlp _mlp = new();
    private readonly LeNet5 _lenet = new();
    private Mlp.Quantized _mlpInt8 = null!;
    private LeNet5.Quantized _lenetInt8 = null!;
    private readonly float[] _image = new float[784];
    private readonly float[] _output = new float[10];

    /// <summary>The calibration images: 256 random images in [0, 1), seed 2.</summary>
    internal static float[] CalibrationImages()
    {
        var random = new SeededRandom(2);
        var images = new float[256 * 784];
        for (int i = 0; i < images.Length; i++) images[i] = random.NextFloat();
        return images;
    }

    [GlobalSetup]
    public void Setup()
    {
        var random = new SeededRandom(1);
        for (int i = 0; i < _image.Length; i++) _image[i] = random.NextFloat();
        var calibration = CalibrationImages();
        _mlpInt8 = _mlp.Quantize(calibration);
        _lenetInt8 = _lenet.Quantize(calibration);
    }

    [Benchmark(Description = "Forward, batch 1, MLP 784-128-64-10, float32")]
    public float ForwardMlpFloat()
    {
        _mlp.Forward(_image, _output);
        return _output[0];
    }

    [Benchmark(Description = "Forward, batch 1, MLP 784-128-64-10, int8")]
    public float ForwardMlpInt8()
    {
        _mlpInt8.Forward(_image, _output);
        return _output[0];
    }

    [Benchmark(Description = "Forward, batch 1, LeNet-5, float32")]
    public float ForwardLeNet5Float()
    {
        _lenet.Forward(_image, _output);
        return _output[0];
    }

    [Benchmark(Description = "Forward, batch 1, LeNet-5, int8")]
    public float ForwardLeNet5Int8()
    {
        _lenetInt8.Forward(_image, _output);
        return _output[0];
    }

    /// <summary>`-- --quick-int8`: a few seconds of Stopwatch timing, for a look between BenchmarkDotNet runs.</summary>
    public static void QuickTiming()
    {
        var bench = new QuantizedInference();
        bench.Setup();
        Console.WriteLine($"int8 path: {Int8Kernels.BestPath}");
        foreach (var (name, run) in new (string, Func<float>)[]
                 {
                     ("MLP float32", bench.ForwardMlpFloat), ("MLP int8", bench.ForwardMlpInt8),
                     ("LeNet-5 float32", bench.ForwardLeNet5Float), ("LeNet-5 int8", bench.ForwardLeNet5Int8),
                 })
        {
            for (int i = 0; i < 20_000; i++) run();
            double best = double.MaxValue;
            for (int round = 0; round < 7; round++)
            {
                const int calls = 20_000;
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < calls; i++) run();
                best = Math.Min(best, clock.Elapsed.TotalMilliseconds * 1e6 / calls);
            }
            Console.WriteLine($"{name,-16} {best,10:F0} ns");
        }
    }

    /// <summary>
    /// `-- --export-int8 DIR`: writes mlp_int8.json and lenet5_int8.json, everything export_onnx.py needs to build the same
    /// quantised models as QDQ ONNX graphs: per layer the int8 weights (PyTorch's layout), the per-channel scales, the bias,
    /// and the input and output quantisation (scale, zero point); plus, to check the export, one input and its int8 output.
    /// </summary>
    public static void ExportModels(string directory)
    {
        Directory.CreateDirectory(directory);
        var bench = new QuantizedInference();
        bench.Setup();
        Write(Path.Combine(directory, "mlp_int8.json"), bench._mlpInt8, bench._image);
        Write(Path.Combine(directory, "lenet5_int8.json"), bench._lenetInt8, bench._image);
    }

    private static void Write(string path, IQuantizedNetwork model, float[] input)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        WriteQuantization(json, "input", model.InputQuantization);
        json.WriteStartArray("layers");
        foreach (var layer in model.Layers)
        {
            json.WriteStartObject();
            json.WriteString("name", layer.Name);
            json.WriteNumber("outputs", layer.Outputs);
            json.WriteNumber("depth", layer.Depth);
            json.WriteStartArray("weights");
            for (int c = 0; c < layer.Outputs; c++)
                for (int k = 0; k < layer.Depth; k++) json.WriteNumberValue(layer.Weight(c, k));
            json.WriteEndArray();
            WriteFloats(json, "weight_scales", layer.WeightScales);
            WriteFloats(json, "bias", layer.Bias);
            WriteQuantization(json, "input", layer.Input);
            if (layer.Output is { } output) WriteQuantization(json, "output", output);
            else json.WriteNull("output");
            json.WriteEndObject();
        }
        json.WriteEndArray();
        WriteFloats(json, "check_input", input);
        var y = new float[model.OutputLength];
        model.Forward(input, y);
        WriteFloats(json, "check_output", y);
        json.WriteEndObject();
        Console.Error.WriteLine($"wrote {path}");
    }

    private static void WriteQuantization(Utf8JsonWriter json, string name, ActivationQuantization q)
    {
        json.WriteStartObject(name);
        json.WriteNumber("scale", q.Scale);
        json.WriteNumber("zero_point", q.ZeroPoint);
        json.WriteEndObject();
    }

    private static void WriteFloats(Utf8JsonWriter json, string name, ReadOnlySpan<float> values)
    {
        json.WriteStartArray(name);
        foreach (float v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }
}
