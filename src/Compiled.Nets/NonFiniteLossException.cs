using System;

namespace Compiled.Nets;

/// <summary>The loss became NaN or infinite during training; the parameters were left as they were before the step.</summary>
public sealed class NonFiniteLossException : ArithmeticException
{
    /// <summary>The loss <paramref name="loss"/> at step <paramref name="step"/> on a batch of <paramref name="batchSize"/>.</summary>
    public NonFiniteLossException(long step, float loss, int batchSize)
        : base($"The loss is {loss} at training step {step} (batch of {batchSize}); the step was not applied. " +
               "Lower the learning rate, check the inputs and targets for NaN or infinity, or scale the inputs.")
    {
        Step = step;
        LossValue = loss;
    }

    /// <summary>The 0-based index of the training step whose loss was not finite.</summary>
    public long Step { get; }

    /// <summary>The loss value (NaN or ±∞).</summary>
    public float LossValue { get; }
}
