using System;
using System.Diagnostics.CodeAnalysis;

namespace Compiled.Nets;

/// <summary>Argument checks shared by generated networks; messages name expected and actual sizes.</summary>
public static class Guard
{
    public static void Length(int actual, int expected, string parameter, string what)
    {
        if (actual != expected) ThrowLength(actual, expected, parameter, what);
    }

    [DoesNotReturn]
    private static void ThrowLength(int actual, int expected, string parameter, string what) =>
        throw new ArgumentException($"{parameter} has length {actual}, but {what} needs {expected}.", parameter);

    /// <summary>Checks a batch: inputs and targets hold exactly <paramref name="batchSize"/> rows.</summary>
    public static void Batch(int inputsLength, int targetsLength, int batchSize, int inputSize, int outputSize)
    {
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        if ((long)batchSize * inputSize != inputsLength)
            throw new ArgumentException($"inputs has length {inputsLength}, but a batch of {batchSize} samples of {inputSize} values needs {(long)batchSize * inputSize}.", "inputs");
        if ((long)batchSize * outputSize != targetsLength)
            throw new ArgumentException($"targets has length {targetsLength}, but a batch of {batchSize} samples of {outputSize} values needs {(long)batchSize * outputSize}.", "targets");
    }

    /// <summary>Checks a prediction batch and returns the number of samples.</summary>
    public static int PredictBatch(int inputsLength, int outputsLength, int inputSize, int outputSize)
    {
        if (inputsLength % inputSize != 0)
            throw new ArgumentException($"inputs has length {inputsLength}, which is not a whole number of samples of {inputSize} values.", "inputs");
        int batch = inputsLength / inputSize;
        if ((long)batch * outputSize != outputsLength)
            throw new ArgumentException($"outputs has length {outputsLength}, but {batch} samples of {outputSize} values need {(long)batch * outputSize}.", "outputs");
        return batch;
    }

    /// <summary>Checks that inputs and targets hold the same whole number of samples and returns it.</summary>
    public static int SampleCount(int inputsLength, int targetsLength, int inputSize, int outputSize)
    {
        if (inputsLength % inputSize != 0)
            throw new ArgumentException($"inputs has length {inputsLength}, which is not a whole number of samples of {inputSize} values.", "inputs");
        int count = inputsLength / inputSize;
        if ((long)count * outputSize != targetsLength)
            throw new ArgumentException($"targets has length {targetsLength}, but {count} samples of {outputSize} values need {(long)count * outputSize}.", "targets");
        return count;
    }

    public static float LearningRate(float value)
    {
        if (!(value > 0f) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException("LearningRate", value, "The learning rate must be positive and finite.");
        return value;
    }
}
