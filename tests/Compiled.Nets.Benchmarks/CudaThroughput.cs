using System;
using BenchmarkDotNet.Attributes;
using Compiled.Nets.Cuda;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// The MLP on a CUDA GPU: training throughput at batch 64 and 1024 and forward latency at batch 1.
/// Runs where a GPU exists (`--filter '*CudaThroughput*'`); elsewhere its setup fails with the probe's reason.
/// </summary>
[MemoryDiagnoser]
public class CudaThroughput
{
    private Mlp _mlp = null!;
    private float[] _images64 = Array.Empty<float>(), _targets64 = Array.Empty<float>();
    private float[] _images1024 = Array.Empty<float>(), _targets1024 = Array.Empty<float>();
    private readonly float[] _image = new float[784];
    private readonly float[] _probabilities = new float[10];

    [GlobalSetup]
    public void Setup()
    {
        var status = CudaAvailability.Current;
        if (!status.Available) throw new InvalidOperationException("CudaThroughput needs a CUDA GPU: " + status.Description);
        _mlp = new Mlp { Optimizer = new Compiled.Nets.Optimizers.Adam(1e-3f) };
        Console.WriteLine(_mlp.UseDevice(Device.Cuda));
        var random = new SeededRandom(1);
        (_images64, _targets64) = Batch(64, random);
        (_images1024, _targets1024) = Batch(1024, random);
        // Compile (or load from the cache) and capture the graphs before timing.
        _mlp.TrainStep(_images64, _targets64, 64);
        _mlp.TrainStep(_images1024, _targets1024, 1024);
        _mlp.Forward(_image, _probabilities);
    }

    private static (float[] Images, float[] Targets) Batch(int size, SeededRandom random)
    {
        var images = new float[size * 784];
        for (int i = 0; i < images.Length; i++) images[i] = random.NextFloat();
        var targets = new float[size * 10];
        for (int b = 0; b < size; b++) targets[b * 10 + random.NextInt(10)] = 1f;
        return (images, targets);
    }

    [GlobalCleanup]
    public void Cleanup() => _mlp?.Dispose();

    [Benchmark(Description = "CUDA train step, MLP, batch 64, Adam")]
    public float TrainBatch64() => _mlp.TrainStep(_images64, _targets64, 64);

    [Benchmark(Description = "CUDA train step, MLP, batch 1024, Adam")]
    public float TrainBatch1024() => _mlp.TrainStep(_images1024, _targets1024, 1024);

    [Benchmark(Description = "CUDA forward, MLP, batch 1")]
    public float ForwardBatch1()
    {
        _mlp.Forward(_image, _probabilities);
        return _probabilities[0];
    }
}
