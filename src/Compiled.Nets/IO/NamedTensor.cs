using System;
using System.Collections.Generic;

namespace Compiled.Nets.IO;

/// <summary>
/// A named float32 tensor inside one of a network's arenas, with PyTorch's name
/// (<c>Hidden.weight</c> [out, in], <c>Hidden.bias</c>, <c>Norm.running_mean</c>, …): what Save and Load move.
/// </summary>
public sealed class NamedTensor
{
    private readonly float[] _storage;
    private readonly int _offset;
    private readonly int[] _shape;

    /// <summary>A view of <paramref name="storage"/> from <paramref name="offset"/>, as many values as <paramref name="shape"/> holds; throws if they do not fit.</summary>
    public NamedTensor(string name, int[] shape, float[] storage, int offset)
    {
        Name = name;
        _shape = shape;
        _storage = storage;
        _offset = offset;
        int length = 1;
        foreach (int d in shape) length *= d;
        Length = length;
        if (offset < 0 || offset + length > storage.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"tensor '{name}' [{string.Join(", ", shape)}] at {offset} does not fit its storage of {storage.Length} floats");
    }

    /// <summary>PyTorch's name of the tensor (<c>Hidden.weight</c>).</summary>
    public string Name { get; }
    /// <summary>The tensor's shape (<c>[out, in]</c> for a dense weight).</summary>
    public IReadOnlyList<int> Shape => _shape;
    /// <summary>The number of values, the product of <see cref="Shape"/>.</summary>
    public int Length { get; }
    /// <summary>The values, row-major; writes change the network.</summary>
    public Span<float> Values => _storage.AsSpan(_offset, Length);

    /// <summary>The arena the tensor lives in, and where it starts: to name the tensor a gradient or statistic belongs to.</summary>
    internal float[] Storage => _storage;

    internal int Offset => _offset;
}
