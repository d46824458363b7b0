using System.ComponentModel;
using System;
using System.Runtime.Intrinsics;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using Compiled.Nets.IO;

namespace Compiled.Nets.CompilerServices;

/// <summary>Argument checks shared by generated networks; messages name expected and actual sizes.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Guard
{
    /// <summary>Called by generated code: throws an <see cref="ArgumentException"/> naming both lengths unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
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

    /// <summary>
    /// Checks a partial run's batch (ForwardTo, ForwardFrom): <paramref name="valuesName"/> holds whole samples of
    /// <paramref name="valueSize"/> and <paramref name="outputsName"/> as many of <paramref name="outputSize"/>; returns the count.
    /// </summary>
    public static int PartBatch(int valuesLength, int outputsLength, int valueSize, int outputSize, string valuesName, string outputsName, string what)
    {
        if (valuesLength % valueSize != 0)
            throw new ArgumentException($"{valuesName} has length {valuesLength}, which is not a whole number of samples of {valueSize} values ({what}).", valuesName);
        int batch = valuesLength / valueSize;
        if ((long)batch * outputSize != outputsLength)
            throw new ArgumentException($"{outputsName} has length {outputsLength}, but {batch} samples of {outputSize} values need {(long)batch * outputSize}.", outputsName);
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

    /// <summary>Called by generated code: returns a learning rate, or throws unless it is positive and finite.</summary>
    public static float LearningRate(float value)
    {
        if (!(value > 0f) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException("LearningRate", value, "The learning rate must be positive and finite.");
        return value;
    }

    /// <summary>Refuses a batch the arenas cannot hold (each holds at most Array.MaxLength floats), before anything is allocated or changed.</summary>
    public static void BatchLimit(int batchSize, int maxBatchSize, int floatsPerSample)
    {
        if (batchSize > maxBatchSize)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                $"A call runs at most {maxBatchSize.ToString("N0", CultureInfo.InvariantCulture)} samples: each needs {floatsPerSample.ToString("N0", CultureInfo.InvariantCulture)} floats of working memory, and an array holds at most {Array.MaxLength.ToString("N0", CultureInfo.InvariantCulture)}. Split the batch.");
    }

    /// <summary>Throws when <paramref name="values"/> holds NaN or ±∞, naming the first one by sample and position.</summary>
    public static void Finite(ReadOnlySpan<float> values, string parameter, int rowLength)
    {
        int bad = FirstNonFinite(values);
        if (bad >= 0) ThrowNonFinite(values[bad], bad, parameter, rowLength);
    }

    [DoesNotReturn]
    private static void ThrowNonFinite(float value, int index, string parameter, int rowLength) =>
        throw new ArgumentException(
            $"{parameter} holds {Describe(value)} at index {index} (sample {index / rowLength}, value {index % rowLength}); NaN and infinity would spread to every output and weight. Nothing was changed.",
            parameter);

    /// <summary>Token ids for an Embedding: each a whole number in [0, vocabulary), stored as a float.</summary>
    public static void Tokens(ReadOnlySpan<float> tokens, int vocabulary, string parameter, int rowLength)
    {
        for (int i = 0; i < tokens.Length; i++)
        {
            float id = tokens[i];
            if (id >= 0f && id < vocabulary && id == MathF.Floor(id)) continue;
            throw new ArgumentException(
                $"{parameter} holds {Describe(id)} at index {i} (sample {i / rowLength}, step {i % rowLength}), but a token id is a whole number in [0, {vocabulary}) (the Embedding's vocabulary). Nothing was changed.",
                parameter);
        }
    }

    /// <summary>Binary cross-entropy targets: each a probability in [0, 1], as PyTorch's BCELoss requires.</summary>
    public static void Probabilities(ReadOnlySpan<float> targets, string parameter, int rowLength)
    {
        int i = 0;
        // Four at a time while all are in range (NaN compares false); the scalar loop finds and names a bad one.
        if (Vector128.IsHardwareAccelerated)
        {
            ref float t0 = ref MemoryMarshal.GetReference(targets);
            for (; i + 4 <= targets.Length; i += 4)
            {
                var t = Vector128.LoadUnsafe(ref t0, (nuint)i);
                var inRange = Vector128.GreaterThanOrEqual(t, Vector128<float>.Zero) & Vector128.LessThanOrEqual(t, Vector128<float>.One);
                if (inRange.AsInt32() != Vector128<int>.AllBitsSet) break;
            }
        }
        for (; i < targets.Length; i++)
        {
            float t = targets[i];
            if (t >= 0f && t <= 1f) continue;
            if (!float.IsFinite(t)) ThrowNonFinite(t, i, parameter, rowLength);
            throw new ArgumentOutOfRangeException(parameter, t,
                $"{parameter} holds {t.ToString("R", CultureInfo.InvariantCulture)} at index {i} (sample {i / rowLength}, value {i % rowLength}); binary cross-entropy needs targets in [0, 1]. Nothing was changed.");
        }
    }

    /// <summary>Sample weights: none (every sample weighs 1), or one finite, non-negative weight per sample with a positive sum.</summary>
    public static void SampleWeights(ReadOnlySpan<float> sampleWeights, int batchSize)
    {
        if (sampleWeights.IsEmpty) return;
        if (sampleWeights.Length != batchSize)
            throw new ArgumentException($"sampleWeights has length {sampleWeights.Length}, but the batch has {batchSize} samples (pass none for equal weights).", nameof(sampleWeights));
        double sum = 0;
        for (int i = 0; i < sampleWeights.Length; i++)
        {
            float w = sampleWeights[i];
            if (!(w >= 0f) || float.IsInfinity(w))
                throw new ArgumentOutOfRangeException(nameof(sampleWeights), w, $"sampleWeights[{i}] is {Describe(w)}; a sample weight must be finite and not negative. Nothing was changed.");
            sum += w;
        }
        if (!(sum > 0)) throw new ArgumentException("The sample weights are all zero: the weighted mean loss is undefined. Nothing was changed.", nameof(sampleWeights));
    }

    /// <summary>The index of the first NaN or ±∞ in <paramref name="values"/>, or -1 when all are finite (vectorised: x − x is 0 only for finite x).</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            for (int v = 0; v < vectors.Length; v++)
            {
                var x = vectors[v];
                if (!Vector.EqualsAll(x - x, Vector<float>.Zero)) { i = v * Vector<float>.Count; goto Scalar; }
            }
            i = vectors.Length * Vector<float>.Count;
        }
    Scalar:
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>The tensor of <paramref name="tensors"/> (one of the network's <see cref="INetwork.Tensors"/>) that holds element <paramref name="index"/> of <paramref name="storage"/>, and the element's index in it.</summary>
    public static (string Tensor, int Element) TensorAt(IReadOnlyList<NamedTensor> tensors, float[] storage, int index)
    {
        foreach (NamedTensor tensor in tensors)
            if (ReferenceEquals(tensor.Storage, storage) && index >= tensor.Offset && index < tensor.Offset + tensor.Length)
                return (tensor.Name, index - tensor.Offset);
        return ($"element {index}", index);
    }

    private static string Describe(float value) =>
        float.IsNaN(value) ? "NaN" : float.IsPositiveInfinity(value) ? "+∞" : float.IsNegativeInfinity(value) ? "-∞" : value.ToString("R", CultureInfo.InvariantCulture);
}
