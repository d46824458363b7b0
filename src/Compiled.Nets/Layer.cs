using System;
using System.Collections.Generic;

namespace Compiled.Nets;

/// <summary>
/// A layer of a generated network: its name, kind, output shape and a view of its parameters
/// inside the network's parameter arena (weight <c>[out, in]</c> row-major, then bias).
/// </summary>
public sealed class Layer
{
    private readonly float[] _parameters;
    private readonly int _weightOffset;
    private readonly int _biasOffset;
    private readonly int[] _outputShape;

    public Layer(string name, string kind, int[] outputShape, float[] parameters,
        int weightOffset, int weightCount, int biasOffset, int biasCount)
    {
        Name = name;
        Kind = kind;
        _outputShape = outputShape;
        _parameters = parameters;
        _weightOffset = weightOffset;
        WeightCount = weightCount;
        _biasOffset = biasOffset;
        BiasCount = biasCount;
    }

    /// <summary>The member name, also the tensor name prefix in saved weights (<c>Hidden.weight</c>).</summary>
    public string Name { get; }

    /// <summary>The layer kind (<c>Input</c>, <c>Dense</c>).</summary>
    public string Kind { get; }

    /// <summary>The shape of one sample's output.</summary>
    public IReadOnlyList<int> OutputShape => _outputShape;

    /// <summary>Number of values in one sample's output.</summary>
    public int OutputSize
    {
        get
        {
            int size = 1;
            foreach (int d in _outputShape) size *= d;
            return size;
        }
    }

    public int WeightCount { get; }
    public int BiasCount { get; }
    public int ParameterCount => WeightCount + BiasCount;

    /// <summary>The weights, <c>[out, in]</c> row-major (PyTorch's layout); writes change the network.</summary>
    public Span<float> Weight => _parameters.AsSpan(_weightOffset, WeightCount);

    /// <summary>The biases; writes change the network.</summary>
    public Span<float> Bias => _parameters.AsSpan(_biasOffset, BiasCount);

    public override string ToString() => $"{Name} ({Kind}) → [{string.Join(", ", _outputShape)}], {ParameterCount} parameters";
}
