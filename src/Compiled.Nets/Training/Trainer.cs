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
    /// <remarks>
    /// The data and the options are checked before the first step, so a mistake leaves the network as it was
    /// (docs/training.md, "Edge cases and errors"): an empty training or validation set, labels outside the classes,
    /// a NaN or infinite feature, class weights that do not fit the classes.
    /// </remarks>
    /// <exception cref="ArgumentException">The data or the options cannot be trained on; nothing has changed.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the network keeps the parameters of the last step.</exception>
    public static TrainingHistory Fit(this ITrainableNetwork network, ClassificationData train, FitOptions? options = null,
        ClassificationData? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new FitOptions();
        options.Validate();
        var trainSet = Prepare(network, train, nameof(train));
        var validationSet = validation is null ? null : Prepare(network, validation, nameof(validation));
        if (options.ClassWeights is { } weights) CheckClassWeights(weights, train);
        return Run(network, trainSet, validationSet, options, progress, cancellationToken);
    }

    /// <summary>Trains on any targets (regression, multi-label): rows of inputs and rows of targets, validation optional.</summary>
    /// <remarks>
    /// Checked before the first step as the other overload (docs/training.md): no samples, a partial row, a NaN or
    /// infinite input or target. A network that refuses some targets (binary cross-entropy outside [0, 1]) is asked
    /// about the first such sample before training, through <see cref="ITrainableNetwork.EvaluateLoss"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">The data or the options cannot be trained on; nothing has changed.</exception>
    public static TrainingHistory Fit(this ITrainableNetwork network, float[] inputs, float[] targets, FitOptions? options = null,
        (float[] Inputs, float[] Targets)? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        options ??= new FitOptions();
        options.Validate();
        if (options.ClassWeights is not null) throw new ArgumentException("ClassWeights need class labels: use the ClassificationData overload.", nameof(options));
        var trainSet = Prepare(network, inputs, targets, nameof(inputs), nameof(targets));
        Samples? validationSet = null;
        if (validation is { } v)
        {
            ArgumentNullException.ThrowIfNull(v.Inputs, "validation.Inputs");
            ArgumentNullException.ThrowIfNull(v.Targets, "validation.Targets");
            validationSet = Prepare(network, v.Inputs, v.Targets, "validation.Inputs", "validation.Targets");
        }
        AskAboutTargetsOutsideUnitRange(network, trainSet);
        if (validationSet is not null) AskAboutTargetsOutsideUnitRange(network, validationSet);
        return Run(network, trainSet, validationSet, options, progress, cancellationToken);
    }

    private sealed record Samples(float[] Inputs, float[] Targets, int[]? Labels, int Count);

    /// <summary>Raw rows, checked: whole samples, at least one, every value finite.</summary>
    private static Samples Prepare(ITrainableNetwork network, float[] inputs, float[] targets, string inputsName, string targetsName)
    {
        int count = Guard.SampleCount(inputs.Length, targets.Length, network.InputLength, network.OutputLength);
        if (count == 0)
            throw new ArgumentException($"{inputsName} holds no samples: training and validation need at least one.", inputsName);
        RequireFinite(inputs, network.InputLength, inputsName, "input");
        RequireFinite(targets, network.OutputLength, targetsName, "target");
        return new Samples(inputs, targets, null, count);
    }

    private static Samples Prepare(ITrainableNetwork network, ClassificationData data, string name)
    {
        // An empty validation set is refused rather than taken as none: its loss would be 0/0, and early stopping on NaN never improves.
        if (data.Count == 0)
            throw new ArgumentException($"{name} holds no samples: " + name switch
            {
                "train" => "training needs at least one.",
                "validation" => "pass null for no validation.",
                _ => "there is nothing to evaluate.",
            }, name);
        if (data.FeatureCount != network.InputLength)
            throw new ArgumentException($"{name} has {data.FeatureCount} features per sample, but the network's input takes {network.InputLength}.", name);
        // ClassificationData checks its labels when built, but its arrays are the caller's and may have changed since.
        var labels = data.Labels;
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)data.ClassCount)
                throw new ArgumentOutOfRangeException(name, labels[i], $"{name}: sample {i} has label {labels[i]}, outside the {data.ClassCount} classes [0, {data.ClassCount}).");
        RequireFinite(data.Features, data.FeatureCount, name, "feature");
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

    /// <summary>Throws for the first NaN or infinite value, naming its sample and its position in the row.</summary>
    private static void RequireFinite(float[] rows, int width, string name, string what)
    {
        for (int i = 0; i < rows.Length; i++)
            if (!float.IsFinite(rows[i]))
                throw new ArgumentException($"{name}: {what} {i % width} of sample {i / width} is {rows[i]}; every {what} must be a finite number.", name);
    }

    /// <summary>
    /// The class weights fit the classes: one per class, finite and not negative, and positive for every class the training
    /// set holds (a batch of only zero-weighted samples has no weighted mean, and would stop training halfway).
    /// </summary>
    private static void CheckClassWeights(float[] weights, ClassificationData train)
    {
        if (weights.Length != train.ClassCount)
            throw new ArgumentException($"ClassWeights has {weights.Length} values, but the data has {train.ClassCount} classes.", "options");
        var counts = new int[train.ClassCount];
        foreach (int label in train.Labels) counts[label]++;
        for (int c = 0; c < weights.Length; c++)
        {
            if (!float.IsFinite(weights[c]) || weights[c] < 0f)
                throw new ArgumentException($"ClassWeights[{c}] is {weights[c]}; class weights must be finite and not negative.", "options");
            if (weights[c] == 0f && counts[c] > 0)
                throw new ArgumentException($"ClassWeights[{c}] is 0, but class {c} has {counts[c]} training samples: a batch of them alone would weigh nothing.", "options");
        }
    }

    /// <summary>
    /// Lets the network refuse targets before the first step: the trainer does not know the loss, but a network trained
    /// with binary cross-entropy refuses a target outside [0, 1], so the first such sample is evaluated once (at
    /// inference, which changes nothing). Any other network just computes a loss for it.
    /// </summary>
    private static void AskAboutTargetsOutsideUnitRange(ITrainableNetwork network, Samples samples)
    {
        int width = network.OutputLength;
        int index = Array.FindIndex(samples.Targets, t => t < 0f || t > 1f);
        if (index < 0) return;
        int sample = index / width;
        network.EvaluateLoss(samples.Inputs.AsSpan(sample * network.InputLength, network.InputLength), samples.Targets.AsSpan(sample * width, width), 1);
    }

    private static TrainingHistory Run(ITrainableNetwork network, Samples train, Samples? validation, FitOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        int inputLength = network.InputLength, outputLength = network.OutputLength;
        var stateful = CheckStateful(network, train, validation, options);
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
            if (options.Shuffle && stateful is null) random.Shuffle<int>(order);
            stateful?.ResetState();
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
            if (validation is not null)
            {
                stateful?.ResetState();
                (validationLoss, validationAccuracy) = Evaluate(network, validation, stateful is null ? 256 : batchSize, stateful is not null);
            }
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
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        var samples = Prepare(network, data, nameof(data));
        return Evaluate(network, samples, 256, advanceState: false);
    }

    /// <summary>
    /// The network's stateful view when the options ask for ordered, stateful batches (and the data fits them), null for ordinary
    /// training; a mismatch either way is refused before anything changes.
    /// </summary>
    private static IStatefulNetwork? CheckStateful(ITrainableNetwork network, Samples train, Samples? validation, FitOptions options)
    {
        var stateful = network as IStatefulNetwork;
        if (!options.Stateful)
        {
            if (stateful is not null)
                throw new ArgumentException($"{network.GetType().Name} has stateful recurrent layers, which carry each sample's state into the next batch: " +
                    "train it with FitOptions { Stateful = true } on ordered batches (or declare the layers without Stateful).", nameof(options));
            return null;
        }
        if (stateful is null)
            throw new ArgumentException($"FitOptions.Stateful is set, but {network.GetType().Name} has no stateful recurrent layer (declare one with Stateful = true).", nameof(options));
        int batchSize = Math.Min(options.BatchSize, train.Count);
        if (train.Count % batchSize != 0)
            throw new ArgumentException($"Stateful training takes whole batches: {train.Count} training samples are not a multiple of the batch size {batchSize} " +
                "(sample i of each batch continues sample i of the one before).", nameof(options));
        if (validation is not null && validation.Count % batchSize != 0)
            throw new ArgumentException($"Stateful validation takes whole batches: {validation.Count} validation samples are not a multiple of the batch size {batchSize}.", nameof(options));
        return stateful;
    }

    /// <remarks>With <paramref name="advanceState"/> (stateful validation) every chunk is also run by Predict, which carries the state into the next chunk.</remarks>
    private static (float Loss, double Accuracy) Evaluate(ITrainableNetwork network, Samples data, int chunk, bool advanceState)
    {
        int inputLength = network.InputLength, outputLength = network.OutputLength;
        double lossSum = 0;
        int correct = 0;
        var outputs = new float[Math.Min(chunk, data.Count) * outputLength];
        for (int start = 0; start < data.Count; start += chunk)
        {
            int size = Math.Min(chunk, data.Count - start);
            var inputs = data.Inputs.AsSpan(start * inputLength, size * inputLength);
            lossSum += (double)network.EvaluateLoss(inputs, data.Targets.AsSpan(start * outputLength, size * outputLength), size) * size;
            if (data.Labels is null && !advanceState) continue;
            network.Predict(inputs, outputs.AsSpan(0, size * outputLength));
            if (data.Labels is null) continue;
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
