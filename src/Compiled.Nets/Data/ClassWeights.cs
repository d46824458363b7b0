using System;

namespace Compiled.Nets.Data;

/// <summary>Per-class loss weights for imbalanced data sets.</summary>
public static class ClassWeights
{
    /// <summary>
    /// scikit-learn's "balanced" weights: n_samples / (classCount × count of the class), so that every class
    /// contributes equally to the loss in total. A class without samples gets 0 (it never appears in the loss).
    /// </summary>
    public static float[] Balanced(ReadOnlySpan<int> labels, int classCount)
    {
        if (classCount <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "must be positive");
        var counts = new long[classCount];
        foreach (int label in labels)
        {
            if (label < 0 || label >= classCount)
                throw new ArgumentException($"label {label} is outside [0, {classCount}).", nameof(labels));
            counts[label]++;
        }
        var weights = new float[classCount];
        for (int c = 0; c < classCount; c++)
            weights[c] = counts[c] == 0 ? 0f : (float)((double)labels.Length / ((double)classCount * counts[c]));
        return weights;
    }
}
