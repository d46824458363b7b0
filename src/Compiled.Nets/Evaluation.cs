using System;

namespace Compiled.Nets;

/// <summary>Metrics over a network's predictions.</summary>
public static class Evaluation
{
    /// <summary>Index of the largest value (the first one on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) throw new ArgumentException("values is empty.", nameof(values));
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>Fraction of samples whose arg-max output equals the label.</summary>
    public static double Accuracy(INetwork network, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        ArgumentNullException.ThrowIfNull(network);
        Guard.Length(inputs.Length, labels.Length * network.InputLength, nameof(inputs), $"{labels.Length} samples");
        var outputs = new float[labels.Length * network.OutputLength];
        network.Predict(inputs, outputs);
        return Accuracy(outputs, network.OutputLength, labels);
    }

    /// <summary>Fraction of samples whose arg-max output of the int8 model equals the label.</summary>
    public static double Accuracy(Quantization.IQuantizedNetwork model, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        Guard.Length(inputs.Length, labels.Length * model.InputLength, nameof(inputs), $"{labels.Length} samples");
        var outputs = new float[labels.Length * model.OutputLength];
        model.Predict(inputs, outputs);
        return Accuracy(outputs, model.OutputLength, labels);
    }

    private static double Accuracy(float[] outputs, int width, ReadOnlySpan<int> labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
            if (ArgMax(outputs.AsSpan(i * width, width)) == labels[i]) correct++;
        return labels.Length == 0 ? 0 : (double)correct / labels.Length;
    }
}
