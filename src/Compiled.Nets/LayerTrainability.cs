using System.ComponentModel;
using System;
using System.Collections.Generic;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// Which layers of a network the optimizer updates (<see cref="Layer.Trainable"/>, Keras's <c>layer.trainable</c>,
/// PyTorch's <c>requires_grad_(False)</c>). A frozen layer still passes gradients back to the layers before it and still
/// updates its running statistics in training; its parameters and their optimizer state stay as they were. The network
/// steps only the trainable parameter ranges, merged where they touch; they are recomputed when a flag changes, not per step.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class LayerTrainability
{
    private readonly bool[] _trainable;
    private readonly int[] _starts;
    private readonly int[] _counts;
    private (int Start, int Count)[] _ranges = Array.Empty<(int, int)>();
    private bool _dirty = true;
    private bool _allTrainable = true;

    /// <summary>One entry per layer: where its parameters start in the arena, how many, and whether it trains at first.</summary>
    public LayerTrainability(int[] parameterStarts, int[] parameterCounts, bool[] trainable)
    {
        if (parameterStarts.Length != parameterCounts.Length || trainable.Length != parameterCounts.Length)
            throw new ArgumentException("One start, count and flag per layer.");
        _starts = parameterStarts;
        _counts = parameterCounts;
        _trainable = (bool[])trainable.Clone();
    }

    /// <summary>Whether layer <paramref name="layer"/> (its index in <c>Layers</c>) is updated by the optimizer.</summary>
    public bool this[int layer]
    {
        get => _trainable[layer];
        set
        {
            if (_trainable[layer] == value) return;
            _trainable[layer] = value;
            _dirty = true;
        }
    }

    /// <summary>Sets every layer's flag.</summary>
    public void SetAll(bool trainable)
    {
        for (int i = 0; i < _trainable.Length; i++) this[i] = trainable;
    }

    /// <summary>Whether every layer with parameters is trainable (the optimizer steps the whole arena at once).</summary>
    public bool AllTrainable
    {
        get
        {
            Refresh();
            return _allTrainable;
        }
    }

    /// <summary>Whether no layer with parameters is trainable.</summary>
    public bool NoneTrainable
    {
        get
        {
            Refresh();
            return _ranges.Length == 0;
        }
    }

    /// <summary>The trainable parameter ranges (start, count), in arena order, merged where they touch.</summary>
    public ReadOnlySpan<(int Start, int Count)> Ranges
    {
        get
        {
            Refresh();
            return _ranges;
        }
    }

    private void Refresh()
    {
        if (!_dirty) return;
        var ranges = new List<(int Start, int Count)>();
        bool all = true;
        // Layers are laid out in arena order, but sort anyway: the merge below needs it.
        var order = new int[_starts.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) => _starts[a].CompareTo(_starts[b]));
        foreach (int i in order)
        {
            if (_counts[i] == 0) continue;
            if (!_trainable[i])
            {
                all = false;
                continue;
            }
            if (ranges.Count > 0 && ranges[^1].Start + ranges[^1].Count == _starts[i])
                ranges[^1] = (ranges[^1].Start, ranges[^1].Count + _counts[i]);
            else
                ranges.Add((_starts[i], _counts[i]));
        }
        _ranges = ranges.ToArray();
        _allTrainable = all;
        _dirty = false;
    }
}
