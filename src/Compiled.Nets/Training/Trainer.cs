using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Compiled.Nets.Data;

namespace Compiled.Nets.Training;

/// <summary>The training loop: epochs of shuffled mini-batches, validation after each, early stopping, progress, cancellation.</summary>
public static class Trainer
{
    /// <summary>
    /// Trains a classifier. Targets are the labels as one-hot rows (or, for a network with one output and two
    /// classes, the label itself, for binary cross-entropy). Validation loss and accuracy are measured at inference
    /// (no dropout, BatchNorm running statistics) after every epoch.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled; the network keeps the parameters of the last step.</exception>
    public static TrainingHistory Fit(this ITrainableNetwork network, ClassificationData train, FitOptions? options = null,
        ClassificationData? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new FitOptions();
        var trainSet = Prepare(network, train, nameof(train));
        var validationSet = validation is null ? null : Prepare(network, validation, nameof(validation));
        if (options.ClassWeights is { } weights && weights.Length != train.ClassCount)
            throw new ArgumentException($"ClassWeights has {weights.Length} values, but the data has {train.ClassCount} classes.", nameof(options));
        return Run(network, trainSet, validationSet, options, progress, cancellationToken);
    }

    /// <summary>Trains on any targets (regression, multi-label): rows of inputs and rows of targets, validation optional.</summary>
    public static TrainingHistory Fit(this ITrainableNetwork network, float[] inputs, float[] targets, FitOptions? options = null,
        (float[] Inputs, float[] Targets)? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new FitOptions();
        if (options.ClassWeights is not null) throw new ArgumentException("ClassWeights need class labels: use the ClassificationData overload.", nameof(options));
        int count = Guard.SampleCount(inputs.Length, targets.Length, network.InputLength, network.OutputLength);
        var trainSet = new Samples(inputs, targets, null, count);
        Samples? validationSet = null;
        if (validation is { } v)
            validationSet = new Samples(v.Inputs, v.Targets, null, Guard.SampleCount(v.Inputs.Length, v.Targets.Length, network.InputLength, network.OutputLength));
        return Run(network, trainSet, validationSet, options, progress, cancellationToken);
    }

    private sealed record Samples(float[] Inputs, float[] Targets, int[]? Labels, int Count);

    private static Samples Prepare(ITrainableNetwork network, ClassificationData data, string name)
    {
        if (data.FeatureCount != network.InputLength)
            throw new ArgumentException($"{name} has {data.FeatureCount} features per sample, but the network's input takes {network.InputLength}.", name);
        float[] targets;
        if (network.OutputLength == data.ClassCount) targets = data.OneHotTargets();
        else if (network.OutputLength == 1 && data.ClassCount <= 2)
        {
            targets = new float[data.Count];
            for (int i = 0; i < data.Count; i++) targets[i] = data.Labels[i];
        }
        else
            throw new ArgumentException($"{name} has {data.ClassCount} classes, but the network has {network.OutputLength} outputs.", name);
        return new Samples(data.Features, targets, data.Labels, data.Count);
    }

    private static TrainingHistory Run(ITrainableNetwork network, Samples train, Samples? validation, FitOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        options.Validate();
        int inputLength = network.InputLength, outputLength = network.OutputLength;
        int batchSize = Math.Min(options.BatchSize, train.Count);
        int batches = (train.Count + batchSize - 1) / batchSize;
        if (train.Count % batchSize == 1 && batches > 1) batches--; // a last batch of one sample is skipped
        int reportEvery = Math.Max(1, batches / options.ProgressReportsPerEpoch);

        // Everything a step touches is allocated here, once.
        var order = new int[train.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var batchInputs = new float[batchSize * inputLength];
        var batchTargets = new float[batchSize * outputLength];
        var batchWeights = options.ClassWeights is null ? null : new float[batchSize];
        var random = new SeededRandom(options.Seed);
        var augmentationRandom = new SeededRandom(unchecked(options.Seed * 7919 + 17));
        float initialRate = network.LearningRate;
        var history = new List<EpochResult>();
        float bestLoss = float.PositiveInfinity;
        int bestEpoch = 0, epochsWithoutImprovement = 0;
        float[][]? bestTensors = null;
        bool stoppedEarly = false;

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            if (options.Schedule is not null)
                network.LearningRate = Math.Max(options.Schedule.RateAt(epoch - 1, initialRate), 1e-12f); // a schedule may reach 0
            if (options.Shuffle) random.Shuffle<int>(order);
            double lossSum = 0;
            int seen = 0;
            for (int batch = 0; batch < batches; batch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int start = batch * batchSize;
                int size = Math.Min(batchSize, train.Count - start);
                for (int b = 0; b < size; b++)
                {
                    int sample = order[start + b];
                    train.Inputs.AsSpan(sample * inputLength, inputLength).CopyTo(batchInputs.AsSpan(b * inputLength));
                    options.Augmentation?.Invoke(batchInputs.AsSpan(b * inputLength, inputLength), augmentationRandom);
                    train.Targets.AsSpan(sample * outputLength, outputLength).CopyTo(batchTargets.AsSpan(b * outputLength));
                    if (batchWeights is not null) batchWeights[b] = options.ClassWeights![train.Labels![sample]];
                }
                float loss = network.TrainStep(batchInputs.AsSpan(0, size * inputLength), batchTargets.AsSpan(0, size * outputLength), size,
                    batchWeights is null ? default : batchWeights.AsSpan(0, size));
                lossSum += (double)loss * size;
                seen += size;
                if (progress is not null && (batch + 1) % reportEvery == 0 && batch + 1 < batches)
                    progress.Report(new TrainingProgress(epoch, options.Epochs, batch + 1, batches, (float)(lossSum / seen), null));
            }

            float validationLoss = float.NaN;
            double validationAccuracy = double.NaN;
            if (validation is not null) (validationLoss, validationAccuracy) = Evaluate(network, validation);
            var result = new EpochResult(epoch, (float)(lossSum / seen), validationLoss, validationAccuracy, network.LearningRate, clock.Elapsed);
            history.Add(result);
            progress?.Report(new TrainingProgress(epoch, options.Epochs, batches, batches, result.TrainingLoss, result));

            if (options.EarlyStoppingPatience > 0 && validation is not null)
            {
                if (validationLoss < bestLoss)
                {
                    bestLoss = validationLoss;
                    bestEpoch = epoch;
                    epochsWithoutImprovement = 0;
                    if (options.RestoreBestWeights) bestTensors = Snapshot(network, bestTensors);
                }
                else if (++epochsWithoutImprovement >= options.EarlyStoppingPatience)
                {
                    stoppedEarly = epoch < options.Epochs;
                    break;
                }
            }
            else if (validation is not null && validationLoss < bestLoss)
            {
                bestLoss = validationLoss;
                bestEpoch = epoch;
            }
        }
        if (bestTensors is not null && bestEpoch != history.Count) Restore(network, bestTensors);
        return new TrainingHistory(history, bestEpoch == 0 ? history.Count : bestEpoch, stoppedEarly);
    }

    /// <summary>Mean loss and accuracy at inference, in chunks so the network's buffers stay small.</summary>
    public static (float Loss, double Accuracy) Evaluate(ITrainableNetwork network, ClassificationData data)
    {
        var samples = Prepare(network, data, nameof(data));
        return Evaluate(network, samples);
    }

    private static (float Loss, double Accuracy) Evaluate(ITrainableNetwork network, Samples data)
    {
        const int chunk = 256;
        int inputLength = network.InputLength, outputLength = network.OutputLength;
        double lossSum = 0;
        int correct = 0;
        var outputs = new float[Math.Min(chunk, data.Count) * outputLength];
        for (int start = 0; start < data.Count; start += chunk)
        {
            int size = Math.Min(chunk, data.Count - start);
            var inputs = data.Inputs.AsSpan(start * inputLength, size * inputLength);
            lossSum += (double)network.EvaluateLoss(inputs, data.Targets.AsSpan(start * outputLength, size * outputLength), size) * size;
            if (data.Labels is null) continue;
            network.Predict(inputs, outputs.AsSpan(0, size * outputLength));
            for (int b = 0; b < size; b++)
            {
                var row = outputs.AsSpan(b * outputLength, outputLength);
                int predicted = outputLength == 1 ? (row[0] >= 0.5f ? 1 : 0) : Evaluation.ArgMax(row);
                if (predicted == data.Labels[start + b]) correct++;
            }
        }
        return ((float)(lossSum / data.Count), data.Labels is null ? double.NaN : (double)correct / data.Count);
    }

    private static float[][] Snapshot(INetwork network, float[][]? into)
    {
        var tensors = network.Tensors;
        into ??= new float[tensors.Count][];
        for (int i = 0; i < tensors.Count; i++)
        {
            into[i] ??= new float[tensors[i].Length];
            tensors[i].Values.CopyTo(into[i]);
        }
        return into;
    }

    private static void Restore(INetwork network, float[][] saved)
    {
        var tensors = network.Tensors;
        for (int i = 0; i < tensors.Count; i++) saved[i].CopyTo(tensors[i].Values);
    }
}
