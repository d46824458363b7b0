using System;
using System.Collections.Generic;
using System.Globalization;

namespace Compiled.Nets.Quantization;

/// <summary>An int8 inference model made by a generated network's <c>Quantize</c>: the nested <c>Quantized</c> class.</summary>
public interface IQuantizedNetwork
{
    int InputLength { get; }
    int OutputLength { get; }

    /// <summary>One sample; allocation-free, thread-safe.</summary>
    void Forward(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>A batch, rows of <see cref="InputLength"/> values.</summary>
    void Predict(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>The dense and convolution layers' quantised weights and quantisations, in order.</summary>
    IReadOnlyList<QuantizedLinear> Layers { get; }

    /// <summary>The network input's quantisation.</summary>
    ActivationQuantization InputQuantization { get; }

    /// <summary>The dot-product form this CPU runs.</summary>
    Int8Path Path { get; }
}

/// <summary>The checks of <c>Quantize</c>'s arguments, before anything runs.</summary>
public static class QuantizationGuard
{
    public static void Calibration(int inputsLength, int sampleCount, int inputSize)
    {
        if (sampleCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(sampleCount), sampleCount, "Calibration needs at least one sample: each tensor's range comes from the float network's values on them.");
        if (inputsLength < (long)sampleCount * inputSize)
            throw new ArgumentException(
                $"calibrationInputs holds {inputsLength.ToString("N0", CultureInfo.InvariantCulture)} values, {inputsLength / inputSize} samples of {inputSize}: fewer than the {sampleCount} asked for.",
                "calibrationInputs");
    }

    /// <summary>The number of whole rows in <paramref name="length"/> values; throws when there is none or a row is cut.</summary>
    public static int Rows(int length, int inputSize)
    {
        if (length == 0) throw new ArgumentException("calibrationInputs is empty: calibration needs at least one sample.", "calibrationInputs");
        if (length % inputSize != 0)
            throw new ArgumentException($"calibrationInputs holds {length} values, not a whole number of samples of {inputSize}.", "calibrationInputs");
        return length / inputSize;
    }
}
