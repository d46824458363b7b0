using System.ComponentModel;
using System;

namespace Compiled.Nets.CompilerServices;

/// <summary>nn.Embedding: each token id picks its row of the table [vocabulary, dimensions]; backward adds each row's gradient to the id's row.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class EmbeddingKernels
{
    /// <summary>
    /// <c>output[r] = weight[tokens[r]]</c> for every token r of the batch (rows of <paramref name="dimensions"/>). The ids were checked
    /// by the network (Guard.Tokens); an id outside the table is refused here too rather than read out of bounds.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> tokens, ReadOnlySpan<float> weight, Span<float> output, int vocabulary, int dimensions)
    {
        const string kernel = "EmbeddingKernels.Forward";
        KernelChecks.Positive(kernel, nameof(vocabulary), vocabulary);
        KernelChecks.Positive(kernel, nameof(dimensions), dimensions);
        KernelChecks.Length(kernel, nameof(weight), weight.Length, (long)vocabulary * dimensions);
        KernelChecks.Length(kernel, nameof(output), output.Length, (long)tokens.Length * dimensions);
        for (int r = 0; r < tokens.Length; r++)
            weight.Slice(Row(kernel, tokens[r], vocabulary) * dimensions, dimensions).CopyTo(output.Slice(r * dimensions, dimensions));
    }

    /// <summary><c>dW[tokens[r]] += dOutput[r]</c>: a token that occurs several times sums its gradients.</summary>
    public static void Backward(ReadOnlySpan<float> tokens, ReadOnlySpan<float> dOutput, Span<float> dWeight, int vocabulary, int dimensions)
    {
        const string kernel = "EmbeddingKernels.Backward";
        KernelChecks.Positive(kernel, nameof(vocabulary), vocabulary);
        KernelChecks.Positive(kernel, nameof(dimensions), dimensions);
        KernelChecks.Length(kernel, nameof(dWeight), dWeight.Length, (long)vocabulary * dimensions);
        KernelChecks.Length(kernel, nameof(dOutput), dOutput.Length, (long)tokens.Length * dimensions);
        for (int r = 0; r < tokens.Length; r++)
            DenseKernels.Add(dWeight.Slice(Row(kernel, tokens[r], vocabulary) * dimensions, dimensions), dOutput.Slice(r * dimensions, dimensions));
    }

    private static int Row(string kernel, float id, int vocabulary)
    {
        if (id >= 0f && id < vocabulary && id == MathF.Floor(id)) return (int)id;
        throw new ArgumentOutOfRangeException("tokens", id, $"{kernel}: token id {id} is not a whole number in [0, {vocabulary}).");
    }
}
