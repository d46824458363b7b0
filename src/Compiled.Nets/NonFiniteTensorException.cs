using System;
using System.Globalization;

namespace Compiled.Nets;

/// <summary>
/// A training step was refused because a tensor would have become NaN or infinite; nothing changed. The two cases
/// (<see cref="NonFiniteGradientException"/>, <see cref="NonFiniteStatisticException"/>) name the step and the tensor.
/// </summary>
public abstract class NonFiniteTensorException : ArithmeticException
{
    private protected NonFiniteTensorException(string message, long step, string tensor, int element) : base(message)
    {
        Step = step;
        Tensor = tensor;
        Element = element;
    }

    /// <summary>The 0-based index of the refused training step.</summary>
    public long Step { get; }

    /// <summary>The first tensor affected, by its <see cref="IO.NamedTensor"/> name (<c>Hidden.weight</c>, <c>Norm.running_var</c>).</summary>
    public string Tensor { get; }

    /// <summary>The element of <see cref="Tensor"/>, in row-major order.</summary>
    public int Element { get; }

    private protected static string Format(float value) =>
        float.IsNaN(value) ? "NaN" : float.IsPositiveInfinity(value) ? "+∞" : float.IsNegativeInfinity(value) ? "-∞" : value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// A training step's gradients were not all finite (the loss was): the step was refused, and the parameters, the
/// optimizer's state, the running statistics, the gradients of the last accepted step and the step count were left as they were.
/// </summary>
public sealed class NonFiniteGradientException : NonFiniteTensorException
{
    /// <summary>Element <paramref name="element"/> of the gradient of <paramref name="tensor"/> is <paramref name="value"/> at step <paramref name="step"/>.</summary>
    public NonFiniteGradientException(long step, string tensor, int element, float value, int batchSize)
        : base($"The gradient of '{tensor}' is {Format(value)} at element {element}, training step {step} (batch of {batchSize}); the step was not applied. " +
               "Lower the learning rate, set MaxGradientNorm, or scale the inputs.", step, tensor, element)
    {
    }
}

/// <summary>
/// A training forward pass would have left a running statistic (BatchNorm's mean or variance) NaN or infinite: the
/// statistics were put back and nothing else changed.
/// </summary>
public sealed class NonFiniteStatisticException : NonFiniteTensorException
{
    /// <summary>Element <paramref name="element"/> of <paramref name="tensor"/> would become <paramref name="value"/> at step <paramref name="step"/>.</summary>
    public NonFiniteStatisticException(long step, string tensor, int element, float value, int batchSize)
        : base($"'{tensor}' would become {Format(value)} at element {element}, training step {step} (batch of {batchSize}); " +
               "the running statistics were left as they were and the step was not applied. Check the scale of the inputs and the learning rate.",
               step, tensor, element)
    {
    }
}
