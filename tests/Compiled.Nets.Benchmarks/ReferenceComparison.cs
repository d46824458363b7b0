using System;
using BenchmarkDotNet.Attributes;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// The models that tests/benchmarks/pytorch_bench.py and fann_bench.c time; compare.py reads these
/// methods by name (ForwardXor, ForwardMlp, TrainXor, TrainMlpBatch64, TrainMlpBatch64Adam, PredictMlpBatch64), and pairs
/// them with the same methods of the LibTorch and ONNX Runtime anchors (tests/Compiled.Nets.Benchmarks.TorchSharp, .OnnxRuntime).
/// </summary>
[MemoryDiagnoser]
public class ReferenceComparison
{
    private readonly XorNet _xor = new();
    private readonly Mlp _mlp = new();
    private readonly Mlp _mlpAdam = new() { Optimizer = new Compiled.Nets.Optimizers.Adam(1e-3f) };
    private readonly float[] _xorInput = { 1f, 0f };
    private readonly float[] _xorOutput = new float[1];
    private readonly float[] _xorInputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
    private readonly float[] _xorTargets = { 0, 1, 1, 0 };
    private float[] _image = Array.Empty<float>();
    private readonly float[] _probabilities = new float[10];
    private float[] _batchImages = Array.Empty<float>();
    private float[] _batchTargets = Array.Empty<float>();
    private readonly float[] _batchProbabilities = new float[64 * 10];

    /// <summary>The Adam-trained MLP's optimizer (<see cref="AdamLongRun"/> counts the subnormal values in its state).</summary>
    internal Compiled.Nets.Optimizers.Optimizer MlpAdamOptimizer => _mlpAdam.Optimizer;

    [GlobalSetup]
    public void Setup()
    {
        var random = new SeededRandom(1);
        _image = new float[784];
        for (int i = 0; i < _image.Length; i++) _image[i] = random.NextFloat();
        _batchImages = new float[64 * 784];
        for (int i = 0; i < _batchImages.Length; i++) _batchImages[i] = random.NextFloat();
        _batchTargets = new float[64 * 10];
        for (int b = 0; b < 64; b++) _batchTargets[b * 10 + random.NextInt(10)] = 1f;
    }

    [Benchmark(Description = "Forward, batch 1, XOR 2-4-1")]
    public float ForwardXor()
    {
        _xor.Forward(_xorInput, _xorOutput);
        return _xorOutput[0];
    }

    [Benchmark(Description = "Forward, batch 1, MLP 784-128-64-10")]
    public float ForwardMlp()
    {
        _mlp.Forward(_image, _probabilities);
        return _probabilities[0];
    }

    [Benchmark(Description = "Train step, XOR, full batch of 4")]
    public float TrainXor() => _xor.TrainStep(_xorInputs, _xorTargets, 4);

    [Benchmark(Description = "Train step, MLP, batch 64")]
    public float TrainMlpBatch64() => _mlp.TrainStep(_batchImages, _batchTargets, 64);

    [Benchmark(Description = "Train step, MLP, batch 64, Adam")]
    public float TrainMlpBatch64Adam() => _mlpAdam.TrainStep(_batchImages, _batchTargets, 64);

    [Benchmark(Description = "Inference, batch 64, MLP 784-128-64-10")]
    public float PredictMlpBatch64()
    {
        _mlp.Predict(_batchImages, _batchProbabilities);
        return _batchProbabilities[0];
    }
}
