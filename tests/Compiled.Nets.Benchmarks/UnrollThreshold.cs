using System;
using BenchmarkDotNet.Attributes;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// Unrolled straight-line code against SIMD loops for n-n-n networks (n² multiply-adds per layer),
/// forward at batch 1 and a training step at batch 32: where the lines cross sets the default UnrollLimit.
/// </summary>
[MemoryDiagnoser]
public class UnrollThreshold
{
    [Params(8, 16, 24, 32, 64)]
    public int Width;

    private ITrainableNetwork _unrolled = null!;
    private ITrainableNetwork _simd = null!;
    private float[] _input = Array.Empty<float>();
    private float[] _output = Array.Empty<float>();
    private float[] _inputs = Array.Empty<float>();
    private float[] _targets = Array.Empty<float>();

    [GlobalSetup]
    public void Setup()
    {
        (_unrolled, _simd) = Width switch
        {
            8 => ((ITrainableNetwork)new Square8Unrolled(), (ITrainableNetwork)new Square8Simd()),
            16 => (new Square16Unrolled(), new Square16Simd()),
            24 => (new Square24Unrolled(), new Square24Simd()),
            32 => (new Square32Unrolled(), new Square32Simd()),
            _ => (new Square64Unrolled(), new Square64Simd()),
        };
        var random = new SeededRandom(2);
        _input = new float[Width];
        _output = new float[Width];
        _inputs = new float[32 * Width];
        _targets = new float[32 * Width];
        for (int i = 0; i < _input.Length; i++) _input[i] = random.NextGaussian();
        for (int i = 0; i < _inputs.Length; i++) { _inputs[i] = random.NextGaussian(); _targets[i] = random.NextGaussian(); }
    }

    [Benchmark] public void ForwardUnrolled() => _unrolled.Forward(_input, _output);
    [Benchmark] public void ForwardSimd() => _simd.Forward(_input, _output);
    [Benchmark] public float TrainUnrolledBatch32() => _unrolled.TrainStep(_inputs, _targets, 32);
    [Benchmark] public float TrainSimdBatch32() => _simd.TrainStep(_inputs, _targets, 32);
}
