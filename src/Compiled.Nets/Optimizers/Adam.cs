using System;
using System.Numerics;

namespace Compiled.Nets.Optimizers;

/// <summary>
/// Adam, as PyTorch's <c>torch.optim.Adam</c> (no AMSGrad, no weight decay):
/// m ← β₁ m + (1 − β₁) g, v ← β₂ v + (1 − β₂) g², and at step t
/// p ← p − η (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε).
/// m and v are flushed to zero when they decay below the normal range (<see cref="Optimizer.FlushSubnormal(System.Numerics.Vector{float})"/>):
/// the moments of a weight that never gets a gradient would otherwise stay subnormal, and slow every step on Intel cores.
/// </summary>
public sealed class Adam : Optimizer
{
    /// <summary>Adam with PyTorch's defaults (lr 10⁻³, β₁ 0.9, β₂ 0.999, ε 10⁻⁸).</summary>
    /// <param name="learningRate">η, positive and finite.</param>
    /// <param name="beta1">β₁, the decay of the gradient average, in [0, 1).</param>
    /// <param name="beta2">β₂, the decay of the squared-gradient average, in [0, 1).</param>
    /// <param name="epsilon">ε, positive and finite.</param>
    public Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) : base(learningRate)
    {
        Beta1 = RequireFraction(beta1, nameof(beta1));
        Beta2 = RequireFraction(beta2, nameof(beta2));
        Epsilon = RequirePositive(epsilon, nameof(epsilon));
    }

    /// <summary>β₁, the decay of the first moment.</summary>
    public float Beta1 { get; }

    /// <summary>β₂, the decay of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>ε, added to the bias-corrected √v.</summary>
    public float Epsilon { get; }

    /// <summary>State floats per parameter: 2 (the first and second moments).</summary>
    protected override int StateSlotsPerParameter => 2;

    /// <summary>One update of <paramref name="parameters"/> from <paramref name="gradients"/>: Adam's bias-corrected rule at <paramref name="step"/>, with the moments in <paramref name="state"/>.</summary>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, OptimizerState state, long step)
    {
        float beta1 = Beta1, beta2 = Beta2, oneMinusBeta1 = 1f - Beta1, oneMinusBeta2 = 1f - Beta2, eps = Epsilon;
        // Bias corrections once per step in double (β^t underflows gracefully, no float cancellation near 1).
        // As PyTorch, η / (1 − β₁ᵗ) is folded into one step size and √v is divided by √(1 − β₂ᵗ):
        // the same value as the summary's formula without a per-element division of v.
        double correction1 = 1.0 - Math.Pow(beta1, step);
        double correction2 = 1.0 - Math.Pow(beta2, step);
        float stepSize = (float)(LearningRate / correction1);
        float correction2Sqrt = (float)Math.Sqrt(correction2);

        int n = parameters.Length;
        // State arena: [m (first moment) | v (second moment)], each n floats.
        Span<float> first = state.Slot(0);
        Span<float> second = state.Slot(1);
        int i = 0, width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vBeta1 = new Vector<float>(beta1);
            var vBeta2 = new Vector<float>(beta2);
            var vOneMinusBeta1 = new Vector<float>(oneMinusBeta1);
            var vOneMinusBeta2 = new Vector<float>(oneMinusBeta2);
            var vStepSize = new Vector<float>(stepSize);
            var vCorrection2Sqrt = new Vector<float>(correction2Sqrt);
            var vEps = new Vector<float>(eps);
            for (; i + width <= n; i += width)
            {
                var g = new Vector<float>(gradients.Slice(i, width));
                var m = FlushSubnormal(vBeta1 * new Vector<float>(first.Slice(i, width)) + vOneMinusBeta1 * g);
                var v = FlushSubnormal(vBeta2 * new Vector<float>(second.Slice(i, width)) + vOneMinusBeta2 * g * g);
                m.CopyTo(first.Slice(i, width));
                v.CopyTo(second.Slice(i, width));
                var denominator = Vector.SquareRoot(v) / vCorrection2Sqrt + vEps;
                (new Vector<float>(parameters.Slice(i, width)) - vStepSize * m / denominator).CopyTo(parameters.Slice(i, width));
            }
        }
        // Same operations in the same order as the vector loop, so every element rounds identically.
        for (; i < n; i++)
        {
            float g = gradients[i];
            float m = FlushSubnormal(beta1 * first[i] + oneMinusBeta1 * g);
            float v = FlushSubnormal(beta2 * second[i] + oneMinusBeta2 * g * g);
            first[i] = m;
            second[i] = v;
            float denominator = MathF.Sqrt(v) / correction2Sqrt + eps;
            parameters[i] -= stepSize * m / denominator;
        }
    }

    /// <summary>The optimizer and its hyperparameters, as "Adam(lr=…, β1=…, β2=…, ε=…)".</summary>
    public override string ToString() =>
        $"Adam(lr={Format(LearningRate)}, β1={Format(Beta1)}, β2={Format(Beta2)}, ε={Format(Epsilon)})";
}
