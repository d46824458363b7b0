using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;

namespace Compiled.Nets.Benchmarks.OnnxRuntime;

/// <summary>
/// ONNX Runtime 1.31 (CPU execution provider) on the networks of ReferenceComparison and CnnComparison, exported by
/// tests/benchmarks/export_onnx.py into <see cref="ModelDirectory"/>. Inference only: forward at batch 1 (XOR, MLP)
/// and batch 64 (MLP, LeNet-5), and the int8 models of Compiled.Nets' QuantizedInference at batch 1 (QDQ graphs with the same
/// weights and scales, exported from its JSON files). Method names match Compiled.Nets' so that compare.py pairs them.
/// </summary>
/// <remarks>
/// The fastest way through the C# API: tensors over preallocated arrays (<see cref="OrtValue.CreateTensorValueFromMemory{T}(T[], long[])"/>),
/// made once, so a call copies nothing in or out. Two ways to run are timed, and compare.py keeps the faster: an
/// <see cref="OrtIoBinding"/> bound once (<c>RunWithBinding</c>), and <c>Run</c> with the pre-created input and
/// output values (methods ending in <c>ViaRun</c>). <see cref="Threads"/> is the intra-op thread count
/// (inter-op 1, sequential execution, every graph optimisation).
/// </remarks>
[MemoryDiagnoser]
public class OnnxRuntimeAnchors
{
    /// <summary>Where the .onnx files are: $COMPILED_NETS_ONNX_DIR, else tests/benchmarks/out/onnx under the working directory.</summary>
    public static string ModelDirectory =>
        Environment.GetEnvironmentVariable("COMPILED_NETS_ONNX_DIR") is { Length: > 0 } dir ? dir : Path.Combine("tests", "benchmarks", "out", "onnx");

    [Params(1, 2)] public int Threads { get; set; }

    private SessionOptions _options = null!;
    private readonly RunOptions _run = new();
    private Model _xor = null!, _mlp = null!, _mlp64 = null!, _lenet64 = null!, _mlpInt8 = null!, _lenetInt8 = null!;

    /// <summary>One session with its input and output tensors and a binding over them.</summary>
    private sealed class Model : IDisposable
    {
        private static readonly string[] InputNames = { "x" }, OutputNames = { "y" };
        private readonly InferenceSession _session;
        private readonly OrtValue[] _inputs, _outputs;
        private readonly OrtIoBinding _binding;
        public readonly float[] Input, Output;

        public Model(string file, SessionOptions options, long[] inputShape, long[] outputShape, float[]? input = null)
        {
            string path = Path.Combine(ModelDirectory, file);
            if (!File.Exists(path))
                throw new FileNotFoundException($"{path} not found: run /usr/bin/python3 tests/benchmarks/export_onnx.py {ModelDirectory}", path);
            _session = new InferenceSession(path, options);
            Input = new float[Product(inputShape)];
            Output = new float[Product(outputShape)];
            var random = new Random(1);
            for (int i = 0; i < Input.Length; i++) Input[i] = (float)random.NextDouble();
            input?.CopyTo(Input, 0);
            _inputs = new[] { OrtValue.CreateTensorValueFromMemory(Input, inputShape) };
            _outputs = new[] { OrtValue.CreateTensorValueFromMemory(Output, outputShape) };
            _binding = _session.CreateIoBinding();
            _binding.BindInput(InputNames[0], _inputs[0]);
            _binding.BindOutput(OutputNames[0], _outputs[0]);
        }

        private static int Product(long[] shape)
        {
            long n = 1;
            foreach (long d in shape) n *= d;
            return checked((int)n);
        }

        public float RunWithBinding(RunOptions run)
        {
            _session.RunWithBinding(run, _binding);
            return Output[0];
        }

        public float Run(RunOptions run)
        {
            _session.Run(run, InputNames, _inputs, OutputNames, _outputs);
            return Output[0];
        }

        public void Dispose()
        {
            _binding.Dispose();
            foreach (var v in _inputs) v.Dispose();
            foreach (var v in _outputs) v.Dispose();
            _session.Dispose();
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _options = new SessionOptions
        {
            IntraOpNumThreads = Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _xor = new Model("xor_b1.onnx", _options, new long[] { 1, 2 }, new long[] { 1, 1 });
        _mlp = new Model("mlp_b1.onnx", _options, new long[] { 1, 784 }, new long[] { 1, 10 });
        _mlp64 = new Model("mlp_b64.onnx", _options, new long[] { 64, 784 }, new long[] { 64, 10 });
        _lenet64 = new Model("lenet5_b64.onnx", _options, new long[] { 64, 1, 28, 28 }, new long[] { 64, 10 });
        _mlpInt8 = new Model("mlp_int8_b1.onnx", _options, new long[] { 1, 784 }, new long[] { 1, 10 }, CheckInput("mlp_int8.json"));
        _lenetInt8 = new Model("lenet5_int8_b1.onnx", _options, new long[] { 1, 1, 28, 28 }, new long[] { 1, 10 }, CheckInput("lenet5_int8.json"));
    }

    /// <summary>The input Compiled.Nets stored with a quantised model, and the output its int8 model gave.</summary>
    private static float[] CheckInput(string file) => ReadFloats(file, "check_input");

    private static float[] ReadFloats(string file, string property)
    {
        string path = Path.Combine(ModelDirectory, file);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} not found: run dotnet run -c Release --project tests/Compiled.Nets.Benchmarks -- --export-int8 {ModelDirectory}", path);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
        var values = json.RootElement.GetProperty(property);
        var result = new float[values.GetArrayLength()];
        int i = 0;
        foreach (var v in values.EnumerateArray()) result[i++] = v.GetSingle();
        return result;
    }

    /// <summary>
    /// The operators ONNX Runtime runs for a model once its graph optimisations (QDQ fusion among them) are applied: the
    /// optimised graph is written next to the model and the known operator names found in it are listed, so a check shows
    /// whether the int8 models run as integer kernels (QLinearConv, QGemm, QLinearMatMul, …) or fall back to float ones.
    /// </summary>
    internal static string OptimizedOps(string file)
    {
        string optimized = Path.Combine(ModelDirectory, Path.ChangeExtension(file, ".optimized.onnx"));
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = optimized })
        using (new InferenceSession(Path.Combine(ModelDirectory, file), options)) { }
        string text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(optimized));
        string[] known = { "QLinearConv", "QLinearMatMul", "QGemm", "MatMulIntegerToFloat", "MatMulInteger", "ConvInteger", "QLinearAdd",
                           "QuantizeLinear", "DequantizeLinear", "MaxPool", "Conv", "Gemm", "MatMul", "FusedConv", "FusedGemm", "Relu", "Softmax", "Reshape", "Flatten" };
        var found = new System.Collections.Generic.List<string>();
        foreach (var op in known)
        {
            // An operator type is a protobuf string field: its length byte, then the name.
            int count = 0;
            for (int at = text.IndexOf(op, StringComparison.Ordinal); at >= 0; at = text.IndexOf(op, at + 1, StringComparison.Ordinal))
                if (at > 0 && text[at - 1] == (char)op.Length) count++;
            if (count > 0) found.Add($"{op} ×{count}");
        }
        return string.Join(", ", found);
    }

    /// <summary>The largest difference between ONNX Runtime's output for a quantised model's stored input and Compiled.Nets' int8 output.</summary>
    internal float Int8Difference(bool lenet)
    {
        var model = lenet ? _lenetInt8 : _mlpInt8;
        model.RunWithBinding(_run);
        var expected = ReadFloats(lenet ? "lenet5_int8.json" : "mlp_int8.json", "check_output");
        float worst = 0f;
        for (int i = 0; i < expected.Length; i++) worst = MathF.Max(worst, MathF.Abs(expected[i] - model.Output[i]));
        return worst;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var m in new[] { _xor, _mlp, _mlp64, _lenet64, _mlpInt8, _lenetInt8 }) m.Dispose();
        _options.Dispose();
    }

    [Benchmark(Description = "Forward, batch 1, XOR 2-4-1 (IOBinding)")]
    public float ForwardXor() => _xor.RunWithBinding(_run);

    [Benchmark(Description = "Forward, batch 1, XOR 2-4-1 (Run)")]
    public float ForwardXorViaRun() => _xor.Run(_run);

    [Benchmark(Description = "Forward, batch 1, MLP 784-128-64-10 (IOBinding)")]
    public float ForwardMlp() => _mlp.RunWithBinding(_run);

    [Benchmark(Description = "Forward, batch 1, MLP 784-128-64-10 (Run)")]
    public float ForwardMlpViaRun() => _mlp.Run(_run);

    [Benchmark(Description = "Inference, batch 64, MLP 784-128-64-10 (IOBinding)")]
    public float PredictMlpBatch64() => _mlp64.RunWithBinding(_run);

    [Benchmark(Description = "Inference, batch 64, MLP 784-128-64-10 (Run)")]
    public float PredictMlpBatch64ViaRun() => _mlp64.Run(_run);

    [Benchmark(Description = "Inference, batch 64, LeNet-5 (IOBinding)")]
    public float PredictLeNet5Batch64() => _lenet64.RunWithBinding(_run);

    [Benchmark(Description = "Inference, batch 64, LeNet-5 (Run)")]
    public float PredictLeNet5Batch64ViaRun() => _lenet64.Run(_run);

    [Benchmark(Description = "Forward, batch 1, MLP 784-128-64-10, int8 QDQ (IOBinding)")]
    public float ForwardMlpInt8() => _mlpInt8.RunWithBinding(_run);

    [Benchmark(Description = "Forward, batch 1, MLP 784-128-64-10, int8 QDQ (Run)")]
    public float ForwardMlpInt8ViaRun() => _mlpInt8.Run(_run);

    [Benchmark(Description = "Forward, batch 1, LeNet-5, int8 QDQ (IOBinding)")]
    public float ForwardLeNet5Int8() => _lenetInt8.RunWithBinding(_run);

    [Benchmark(Description = "Forward, batch 1, LeNet-5, int8 QDQ (Run)")]
    public float ForwardLeNet5Int8ViaRun() => _lenetInt8.Run(_run);
}
