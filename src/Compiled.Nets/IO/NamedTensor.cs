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

    public string Name { get; }
    public IReadOnlyList<int> Shape => _shape;
    public int Length { get; }
    public Span<float> Values => _storage.AsSpan(_offset, Length);

    /// <summary>The arena the tensor lives in, and where it starts: to name the tensor a gradient or statistic belongs to.</summary>
    internal float[] Storage => _storage;

    internal int Offset => _offset;
}
