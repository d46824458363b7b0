using System;
using Compiled.Nets.Optimizers;

namespace Compiled.Nets.Training;

/// <summary>Settings of <see cref="Trainer.Fit(ITrainableNetwork, Compiled.Nets.Data.ClassificationData, FitOptions?, Compiled.Nets.Data.ClassificationData?, IProgress{TrainingProgress}?, System.Threading.CancellationToken)"/>; the defaults are Keras's where it has one.</summary>
public sealed record FitOptions
{
    /// <summary>Passes over the training set; positive.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>
    /// Samples per step; positive. Larger than the training set, every epoch is one batch of all of it (as PyTorch's
    /// DataLoader). A last batch of a single sample is skipped (BatchNorm cannot train on one sample), unless it is the
    /// epoch's only batch: a training set of one sample trains on it.
    /// </summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Shuffle the training set before every epoch (seeded by <see cref="Seed"/>).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of the shuffling; the same seed gives the same batches.</summary>
    public int Seed { get; init; }

    /// <summary>Learning rate per epoch from the optimizer's starting rate; null keeps it constant.</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>Stop when the validation loss has not improved for this many epochs; 0 turns early stopping off.</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>With early stopping, put back the parameters (and running statistics) of the best epoch at the end.</summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <summary>One weight per class for the loss (e.g. <see cref="Compiled.Nets.Data.ClassWeights.Balanced"/>); null weighs every sample alike.</summary>
    public float[]? ClassWeights { get; init; }

    /// <summary>
    /// Changes each training sample after it is copied into its batch (data augmentation, e.g.
    /// <see cref="Compiled.Nets.Data.Augmentation.RandomShift"/>); the stored data set is never modified, and validation
    /// samples are not augmented. Draws come from a generator seeded by <see cref="Seed"/>, so runs repeat.
    /// </summary>
    public SampleAugmentation? Augmentation { get; init; }
    /// <summary>Training progress is reported about this many times per epoch (besides the end of each epoch).</summary>
    public int ProgressReportsPerEpoch { get; init; } = 50;

    /// <summary>
    /// Ordered, stateful batches for a network with stateful recurrent layers (truncated backpropagation through time):
    /// batches are taken in order, never shuffled, sample i of each batch continuing sample i of the batch before (lay a
    /// long sequence out as <see cref="BatchSize"/> streams, see docs/recurrent.md); the state is reset at the start of
    /// every epoch and of the validation pass. The sample counts must be whole numbers of batches.
    /// </summary>
    public bool Stateful { get; init; }

    internal void Validate()
    {
        if (Epochs <= 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be positive.");
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The batch size must be positive.");
        if (EarlyStoppingPatience < 0) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "Patience cannot be negative (0 turns early stopping off).");
        if (ProgressReportsPerEpoch <= 0) throw new ArgumentOutOfRangeException(nameof(ProgressReportsPerEpoch), ProgressReportsPerEpoch, "must be positive");
    }
}

/// <summary>Changes one training sample in place; <paramref name="random"/> is the training run's seeded generator.</summary>
public delegate void SampleAugmentation(Span<float> sample, SeededRandom random);

/// <summary>
/// Where training is: within an epoch (<see cref="Completed"/> is null, <see cref="Loss"/> is the epoch's running mean),
/// or at its end (<see cref="Completed"/> holds the epoch's figures, validation included).
/// </summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Epochs">The epochs asked for.</param>
/// <param name="Batch">Batches done in this epoch, from 1.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">The epoch's running mean loss so far.</param>
/// <param name="Completed">The epoch's result at its end; null within it.</param>
public readonly record struct TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, float Loss, EpochResult? Completed);

/// <summary>What <c>Fit</c> did: one result per epoch run, the best epoch by validation loss, whether it stopped early.</summary>
/// <param name="Epochs">One result per epoch run.</param>
/// <param name="BestEpoch">The epoch (from 1) with the lowest validation loss; the last epoch without validation data.</param>
/// <param name="StoppedEarly">Whether early stopping ended training before the last epoch.</param>
public sealed record TrainingHistory(System.Collections.Generic.IReadOnlyList<EpochResult> Epochs, int BestEpoch, bool StoppedEarly)
{
    /// <summary>The last epoch run.</summary>
    public EpochResult Last => Epochs[Epochs.Count - 1];
}
