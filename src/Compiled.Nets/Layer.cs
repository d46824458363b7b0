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

    private readonly LayerTrainability? _trainability;
    private readonly int _index;

    /// <summary>Called by generated code: a layer whose weight and bias are views of <paramref name="parameters"/>, with no trainability flag (its <see cref="Trainable"/> is always true).</summary>
    public Layer(string name, string kind, int[] outputShape, float[] parameters,
        int weightOffset, int weightCount, int biasOffset, int biasCount)
        : this(name, kind, outputShape, parameters, weightOffset, weightCount, biasOffset, biasCount, null, -1) { }

    /// <summary>A layer whose <see cref="Trainable"/> flag is entry <paramref name="index"/> of <paramref name="trainability"/>.</summary>
    public Layer(string name, string kind, int[] outputShape, float[] parameters,
        int weightOffset, int weightCount, int biasOffset, int biasCount, LayerTrainability? trainability, int index)
    {
        _trainability = trainability;
        _index = index;
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

    /// <summary>Number of weight values.</summary>
    public int WeightCount { get; }
    /// <summary>Number of bias values.</summary>
    public int BiasCount { get; }
    /// <summary>Weights plus biases.</summary>
    public int ParameterCount => WeightCount + BiasCount;

    /// <summary>The weights, <c>[out, in]</c> row-major (PyTorch's layout); writes change the network.</summary>
    public Span<float> Weight => _parameters.AsSpan(_weightOffset, WeightCount);

    /// <summary>The biases; writes change the network.</summary>
    public Span<float> Bias => _parameters.AsSpan(_biasOffset, BiasCount);

    /// <summary>
    /// Whether training updates the layer's parameters (<c>Trainable = false</c> in the declaration freezes it from the
    /// start). A frozen layer still passes gradients back; its weights and their optimizer state do not change.
    /// </summary>
    public bool Trainable
    {
        get => _trainability is null || _trainability[_index];
        set
        {
            if (_trainability is null) throw new InvalidOperationException($"Layer {Name} belongs to no trainable network.");
            _trainability[_index] = value;
        }
    }

    /// <summary>"Name (Kind) → [shape], N parameters".</summary>
    public override string ToString() => $"{Name} ({Kind}) → [{string.Join(", ", _outputShape)}], {ParameterCount} parameters";
}
