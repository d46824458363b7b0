using System;
using System.Collections.Generic;

namespace Compiled.Nets.Data;

/// <summary>Index splits for k-fold cross-validation.</summary>
public static class CrossValidation
{
    /// <summary>
    /// Shuffles the indices 0 … <paramref name="count"/> − 1 with <paramref name="seed"/> and cuts them into
    /// <paramref name="folds"/> validation parts whose sizes differ by at most one; each fold trains on the
    /// other parts. Every index is validated on exactly once. The same seed gives the same folds.
    /// </summary>
    public static IReadOnlyList<(int[] Train, int[] Validation)> KFold(int count, int folds, int seed)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "A sample count cannot be negative.");
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), folds, "k-fold cross-validation needs at least 2 folds.");
        if (folds > count) throw new ArgumentOutOfRangeException(nameof(folds), folds, $"{count} samples cannot fill {folds} folds; use at most {count}.");

        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        new SeededRandom(seed).Shuffle<int>(order);

        // The first count % folds parts take one extra sample, so the sizes differ by at most one.
        int baseSize = count / folds, larger = count % folds;
        var result = new List<(int[] Train, int[] Validation)>(folds);
        int start = 0;
        for (int f = 0; f < folds; f++)
        {
            int size = baseSize + (f < larger ? 1 : 0);
            int[] validation = order.AsSpan(start, size).ToArray();
            var train = new int[count - size];
            order.AsSpan(0, start).CopyTo(train);
            order.AsSpan(start + size).CopyTo(train.AsSpan(start));
            result.Add((train, validation));
            start += size;
        }
        return result;
    }
}
