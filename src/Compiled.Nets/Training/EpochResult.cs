using System;

namespace Compiled.Nets.Training;

/// <summary>What one epoch of <c>Fit</c> measured. Validation figures are NaN when there is no validation set.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="TrainingLoss">The mean training loss over the epoch's batches, weighted by batch size.</param>
/// <param name="ValidationLoss">The validation loss at the end of the epoch (NaN without validation data).</param>
/// <param name="ValidationAccuracy">The validation accuracy, in [0, 1] (NaN where there is none).</param>
/// <param name="LearningRate">The network's learning rate when the epoch ended.</param>
/// <param name="Elapsed">The epoch's time, validation included.</param>
public sealed record EpochResult(
    int Epoch,
    float TrainingLoss,
    float ValidationLoss,
    double ValidationAccuracy,
    float LearningRate,
    TimeSpan Elapsed);
