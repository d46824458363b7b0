using System.ComponentModel;
using System;
using System.Collections.Generic;
using System.Globalization;
using Compiled.Nets.Quantization;

namespace Compiled.Nets.CompilerServices;

/// <summary>The checks of <c>Quantize</c>'s arguments, before anything runs.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class QuantizationGuard
{
    /// <summary>Called by generated code: throws unless <paramref name="sampleCount"/> is positive and <paramref name="inputsLength"/> holds that many samples of <paramref name="inputSize"/>.</summary>
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
