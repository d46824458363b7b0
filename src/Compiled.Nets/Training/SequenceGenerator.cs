using System;

namespace Compiled.Nets.Training;

/// <summary>
/// Free-running generation from a network trained with teacher forcing (each step's target the next step's input): every
/// output is fed back as the next input. Called by the generated <c>Generate</c> of a network whose output is a sequence of
/// its input's steps. The network runs on a window of its constant length: the prompt, then what was generated, the last
/// <c>steps</c> tokens once the window is full; a causal network's output at a step depends only on the steps up to it,
/// so the window's unused tail does not matter. A stateful network is reset before each window (the window is the whole
/// context) and left reset.
/// </summary>
public static class SequenceGenerator
{
    /// <summary>
    /// Token models: samples each next token from the output step's distribution at <paramref name="temperature"/>
    /// (p^(1/τ), renormalised; 0 takes the most likely token) and writes the ids (as floats) to <paramref name="generated"/>.
    /// </summary>
    /// <remarks><paramref name="outputsAreProbabilities"/>: the output layer is a softmax; otherwise its values are logits.</remarks>
    public static void GenerateTokens(INetwork network, int steps, int vocabulary, bool outputsAreProbabilities, ReadOnlySpan<float> prompt,
        Span<float> generated, float temperature, SeededRandom random)
    {
        Check(network, steps, 1, vocabulary, prompt, steps);
        ArgumentNullException.ThrowIfNull(random);
        if (!(temperature >= 0f) || float.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be zero (the most likely token) or positive and finite.");
        Guard.Tokens(prompt, vocabulary, nameof(prompt), prompt.Length);
        var window = new float[steps];
        var outputs = new float[steps * vocabulary];
        var weights = new double[vocabulary];
        int filled = Fill(window, prompt);
        for (int n = 0; n < generated.Length; n++)
        {
            (network as IStatefulNetwork)?.ResetState();
            network.Forward(window, outputs);
            var step = outputs.AsSpan((filled - 1) * vocabulary, vocabulary);
            int token = Sample(step, outputsAreProbabilities, temperature, random, weights);
            generated[n] = token;
            filled = Append(window, filled, token);
        }
        (network as IStatefulNetwork)?.ResetState();
    }

    /// <summary>Real-valued sequences: each step's output becomes the next step's input, <paramref name="generated"/> gets <c>features</c> values per step.</summary>
    public static void GenerateValues(INetwork network, int steps, int features, ReadOnlySpan<float> prompt, Span<float> generated)
    {
        Check(network, steps, features, features, prompt, steps * features);
        if (generated.Length % features != 0)
            throw new ArgumentException($"generated has {generated.Length} values, not a whole number of steps of {features} features.", nameof(generated));
        Guard.Finite(prompt, nameof(prompt), features);
        var window = new float[steps * features];
        var outputs = new float[steps * features];
        prompt.CopyTo(window);
        int filled = prompt.Length / features;
        for (int n = 0; n < generated.Length / features; n++)
        {
            (network as IStatefulNetwork)?.ResetState();
            network.Forward(window, outputs);
            var next = outputs.AsSpan((filled - 1) * features, features);
            next.CopyTo(generated.Slice(n * features, features));
            if (filled == steps)
            {
                window.AsSpan(features).CopyTo(window);
                filled--;
            }
            next.CopyTo(window.AsSpan(filled * features, features));
            filled++;
        }
        (network as IStatefulNetwork)?.ResetState();
    }

    private static void Check(INetwork network, int steps, int inputWidth, int outputWidth, ReadOnlySpan<float> prompt, int windowLength)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.InputLength != steps * inputWidth || network.OutputLength != steps * outputWidth)
            throw new ArgumentException($"The network maps {network.InputLength} inputs to {network.OutputLength} outputs, not a sequence of {steps} steps to {steps} steps.", nameof(network));
        if (prompt.IsEmpty || prompt.Length % inputWidth != 0 || prompt.Length > windowLength)
            throw new ArgumentException($"The prompt has {prompt.Length} values; it must be 1 to {steps} steps of {inputWidth} (the network's length).", nameof(prompt));
    }

    private static int Fill(float[] window, ReadOnlySpan<float> prompt)
    {
        Array.Clear(window);
        prompt.CopyTo(window);
        return prompt.Length;
    }

    /// <summary>Appends a token; a full window drops its first.</summary>
    private static int Append(float[] window, int filled, int token)
    {
        if (filled == window.Length)
        {
            window.AsSpan(1).CopyTo(window);
            filled--;
        }
        window[filled] = token;
        return filled + 1;
    }

    private static int Sample(ReadOnlySpan<float> step, bool probabilities, float temperature, SeededRandom random, double[] weights)
    {
        int best = 0;
        for (int i = 1; i < step.Length; i++) if (step[i] > step[best]) best = i;
        if (temperature == 0f) return best;
        // log p / τ, shifted by its maximum so exp cannot overflow.
        double max = double.NegativeInfinity;
        for (int i = 0; i < step.Length; i++)
        {
            double log = probabilities ? Math.Log(Math.Max(step[i], 1e-30f)) : step[i];
            weights[i] = log / temperature;
            max = Math.Max(max, weights[i]);
        }
        double total = 0;
        for (int i = 0; i < step.Length; i++) total += weights[i] = Math.Exp(weights[i] - max);
        double u = random.NextFloat() * total;
        for (int i = 0; i < step.Length; i++)
        {
            u -= weights[i];
            if (u < 0) return i;
        }
        return best;
    }
}
