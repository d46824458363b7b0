using System;

namespace Compiled.Nets.Optimizers;

/// <summary>
/// A learning rate as a function of the epoch, in closed form. Epochs count from 0: <see cref="RateAt"/>(e, η₀)
/// is the rate PyTorch's matching scheduler gives after <c>e</c> calls to <c>step()</c>.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The rate for <paramref name="epoch"/> (≥ 0) from the initial rate <paramref name="initialRate"/> (positive, finite).</summary>
    public abstract float RateAt(int epoch, float initialRate);

    /// <summary>Checks the arguments of <see cref="RateAt"/>.</summary>
    protected static void CheckArguments(int epoch, float initialRate)
    {
        if (epoch < 0)
            throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The epoch counts from 0.");
        if (!(initialRate > 0f) || float.IsInfinity(initialRate))
            throw new ArgumentOutOfRangeException(nameof(initialRate), initialRate, "The initial rate must be positive and finite.");
    }
}

/// <summary>The initial rate throughout.</summary>
public sealed class ConstantRate : LearningRateSchedule
{
    /// <summary>Always <paramref name="initialRate"/>.</summary>
    public override float RateAt(int epoch, float initialRate)
    {
        CheckArguments(epoch, initialRate);
        return initialRate;
    }

    /// <summary>"ConstantRate".</summary>
    public override string ToString() => "ConstantRate";
}

/// <summary>PyTorch's <c>StepLR</c>: η₀ · γ^⌊epoch / stepSize⌋, the rate multiplied by γ every <c>stepSize</c> epochs.</summary>
public sealed class StepDecay : LearningRateSchedule
{
    /// <summary>Multiplies the rate by <paramref name="gamma"/> every <paramref name="stepSize"/> epochs.</summary>
    /// <param name="stepSize">Epochs between decays; positive.</param>
    /// <param name="gamma">γ, the factor per decay, in (0, 1].</param>
    public StepDecay(int stepSize, float gamma = 0.1f)
    {
        if (stepSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "stepSize must be positive.");
        if (!(gamma > 0f && gamma <= 1f))
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be in (0, 1].");
        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>Epochs between two decays.</summary>
    public int StepSize { get; }
    /// <summary>The factor applied at each decay.</summary>
    public float Gamma { get; }

    /// <summary><paramref name="initialRate"/> · Gamma^⌊<paramref name="epoch"/> / StepSize⌋.</summary>
    public override float RateAt(int epoch, float initialRate)
    {
        CheckArguments(epoch, initialRate);
        return (float)(initialRate * Math.Pow(Gamma, epoch / StepSize)); // integer division: whole steps taken
    }

    /// <summary>"StepDecay(stepSize=…, γ=…)".</summary>
    public override string ToString() => $"StepDecay(stepSize={StepSize}, γ={Gamma})";
}

/// <summary>PyTorch's <c>ExponentialLR</c>: η₀ · γ^epoch.</summary>
public sealed class ExponentialDecay : LearningRateSchedule
{
    /// <summary>Multiplies the rate by <paramref name="gamma"/> every epoch.</summary>
    /// <param name="gamma">γ, the factor per epoch, in (0, 1].</param>
    public ExponentialDecay(float gamma)
    {
        if (!(gamma > 0f && gamma <= 1f))
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be in (0, 1].");
        Gamma = gamma;
    }

    /// <summary>The factor applied every epoch.</summary>
    public float Gamma { get; }

    /// <summary><paramref name="initialRate"/> · Gamma^<paramref name="epoch"/>.</summary>
    public override float RateAt(int epoch, float initialRate)
    {
        CheckArguments(epoch, initialRate);
        return (float)(initialRate * Math.Pow(Gamma, epoch));
    }

    /// <summary>"ExponentialDecay(γ=…)".</summary>
    public override string ToString() => $"ExponentialDecay(γ={Gamma})";
}

/// <summary>
/// PyTorch's <c>CosineAnnealingLR</c> over one half period:
/// η_min + (η₀ − η_min)(1 + cos(π · epoch / T_max)) / 2, and η_min from epoch T_max on
/// (PyTorch's recursive form would climb back up; a schedule that ends there is what training wants).
/// With the default η_min = 0 the rate reaches 0 at T_max.
/// </summary>
public sealed class CosineAnnealing : LearningRateSchedule
{
    /// <summary>A half cosine from the initial rate down to <paramref name="minRate"/> over <paramref name="maxEpochs"/> epochs.</summary>
    /// <param name="maxEpochs">T_max, the epochs from η₀ down to η_min; positive.</param>
    /// <param name="minRate">η_min, non-negative and finite.</param>
    public CosineAnnealing(int maxEpochs, float minRate = 0f)
    {
        if (maxEpochs <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxEpochs), maxEpochs, "maxEpochs must be positive.");
        if (!(minRate >= 0f) || float.IsInfinity(minRate))
            throw new ArgumentOutOfRangeException(nameof(minRate), minRate, "minRate must be non-negative and finite, in [0, ∞).");
        MaxEpochs = maxEpochs;
        MinRate = minRate;
    }

    /// <summary>The epochs of one half-cosine (PyTorch's T_max).</summary>
    public int MaxEpochs { get; }
    /// <summary>The rate reached at <see cref="MaxEpochs"/> (PyTorch's eta_min).</summary>
    public float MinRate { get; }

    /// <summary>MinRate + (<paramref name="initialRate"/> − MinRate) · (1 + cos(π · <paramref name="epoch"/> / MaxEpochs)) / 2, and MinRate from epoch MaxEpochs on.</summary>
    public override float RateAt(int epoch, float initialRate)
    {
        CheckArguments(epoch, initialRate);
        if (epoch >= MaxEpochs) return MinRate;
        double cosine = Math.Cos(Math.PI * epoch / MaxEpochs);
        return (float)(MinRate + (initialRate - (double)MinRate) * (1 + cosine) / 2);
    }

    /// <summary>"CosineAnnealing(T_max=…, η_min=…)".</summary>
    public override string ToString() => $"CosineAnnealing(T_max={MaxEpochs}, η_min={MinRate})";
}
