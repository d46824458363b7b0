using System.ComponentModel;
using System;

namespace Compiled.Nets.CompilerServices;

/// <summary>Rosenblatt's perceptron learning rule.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PerceptronKernels
{
    /// <summary>
    /// For every output unit j whose prediction ŷ_j differs from the target y_j:
    /// w_j ← w_j + η (y_j − ŷ_j) x and b_j ← b_j + η (y_j − ŷ_j). Returns the number of wrong units.
    /// </summary>
    public static int Update(ReadOnlySpan<float> input, ReadOnlySpan<float> target, ReadOnlySpan<float> output,
        Span<float> weights, Span<float> bias, float learningRate)
    {
        // All before the first update: a short target must not leave some units updated and the rest not.
        const string kernel = "PerceptronKernels.Update";
        KernelChecks.Length(kernel, nameof(weights), weights.Length, (long)bias.Length * input.Length);
        KernelChecks.Length(kernel, nameof(target), target.Length, bias.Length);
        KernelChecks.Length(kernel, nameof(output), output.Length, bias.Length);
        int mistakes = 0;
        for (int j = 0; j < bias.Length; j++)
        {
            float error = target[j] - output[j];
            if (error == 0f) continue;
            mistakes++;
            float step = learningRate * error;
            var row = weights.Slice(j * input.Length, input.Length);
            for (int i = 0; i < row.Length; i++) row[i] += step * input[i];
            bias[j] += step;
        }
        return mistakes;
    }
}
