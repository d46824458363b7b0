using System;

namespace Compiled.Nets.Data;

/// <summary>
/// A long token sequence laid out for truncated backpropagation through time with a stateful network (PyTorch's
/// "batchify"): the text is cut into <c>streams</c> contiguous parts; batch k holds chunk k of every part, so sample i of
/// each batch continues sample i of the one before (what <c>FitOptions.Stateful</c> expects). Each target is the next token
/// (teacher forcing), one-hot per step.
/// </summary>
public static class TokenStreams
{
    /// <summary>
    /// Inputs [chunks · streams, steps] of token ids (as floats) and targets [chunks · streams, steps, vocabulary] one-hot of
    /// the following token; the tail that does not fill a whole chunk of every stream is left out.
    /// </summary>
    public static (float[] Inputs, float[] Targets, int Batches) ForTruncatedBptt(ReadOnlySpan<int> tokens, int vocabulary, int streams, int steps)
    {
        if (vocabulary <= 0) throw new ArgumentOutOfRangeException(nameof(vocabulary), vocabulary, "The vocabulary must be positive.");
        if (streams <= 0) throw new ArgumentOutOfRangeException(nameof(streams), streams, "The number of streams (the batch size) must be positive.");
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "The steps per chunk must be positive.");
        for (int i = 0; i < tokens.Length; i++)
            if ((uint)tokens[i] >= (uint)vocabulary)
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], $"token {i} is {tokens[i]}, outside the vocabulary [0, {vocabulary}).");
        // Each stream needs steps + 1 tokens per chunk's worth: the inputs and, one further, the targets.
        int perStream = (tokens.Length - 1) / streams;
        int chunks = perStream / steps;
        if (chunks == 0)
            throw new ArgumentException($"{tokens.Length} tokens are too few for {streams} streams of at least one chunk of {steps} steps (and the next token).", nameof(tokens));
        var inputs = new float[chunks * streams * steps];
        var targets = new float[chunks * streams * steps * vocabulary];
        for (int k = 0; k < chunks; k++)
            for (int s = 0; s < streams; s++)
            {
                int sample = k * streams + s, start = s * perStream + k * steps;
                for (int t = 0; t < steps; t++)
                {
                    inputs[sample * steps + t] = tokens[start + t];
                    targets[(sample * steps + t) * vocabulary + tokens[start + t + 1]] = 1f;
                }
            }
        return (inputs, targets, chunks);
    }
}
