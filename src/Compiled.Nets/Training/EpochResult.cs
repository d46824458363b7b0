using System;

namespace Compiled.Nets.Training;

/// <summary>What one epoch of <c>Fit</c> measured. Validation figures are NaN when there is no validation set.</summary>
public sealed record EpochResult(
    int Epoch,
    float TrainingLoss,
    float ValidationLoss,
    double ValidationAccuracy,
    float LearningRate,
    TimeSpan Elapsed);
