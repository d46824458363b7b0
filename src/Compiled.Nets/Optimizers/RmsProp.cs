using System;
using System.Numerics;

namespace Compiled.Nets.Optimizers;

/// <summary>
/// RMSprop, as PyTorch's <c>torch.optim.RMSprop</c> (not centered, no momentum):
/// v ← α v + (1 − α) g², p ← p − η g / (√v + ε). v is flushed to zero when it decays below the normal range
/// (<see cref="Optimizer.FlushSubnormal(System.Numerics.Vector{float})"/>: a subnormal slows every step on Intel cores).
/// </summary>
public sealed class RmsProp : Optimizer
{
    /// <summary>RMSprop with PyTorch's defaults (lr 0.01, α 0.99, ε 10⁻⁸).</summary>
    /// <param name="learningRate">η, positive and finite.</param>
    /// <param name="alpha">α, the smoothing constant, in [0, 1).</param>
    /// <param name="epsilon">ε, positive and finite.</param>
    public RmsProp(float learningRate = 0.01f, float alpha = 0.99f, float epsilon = 1e-8f) : base(learningRate)
    {
        Alpha = RequireFraction(alpha, nameof(alpha));
        Epsilon = RequirePositive(epsilon, nameof(epsilon));
    }

    /// <summary>α, the decay of the squared-gradient average.</summary>
    public float Alpha { get; }

    /// <summary>ε, added to √v.</summary>
    public float Epsilon { get; }

    /// <summary>State floats per parameter: 1 (the running average of g²).</summary>
    protected override int StateSlotsPerParameter => 1;

    /// <summary>One update of <paramref name="parameters"/> from <paramref name="gradients"/>: RMSprop's rule with the state in <paramref name="state"/>.</summary>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, OptimizerState state, long step)
    {
        float lr = LearningRate, alpha = Alpha, oneMinusAlpha = 1f - Alpha, eps = Epsilon;
        Span<float> average = state.Slot(0);
        int i = 0, width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vLr = new Vector<float>(lr);
            var vAlpha = new Vector<float>(alpha);
            var vOneMinusAlpha = new Vector<float>(oneMinusAlpha);
            var vEps = new Vector<float>(eps);
            for (; i + width <= parameters.Length; i += width)
            {
                var g = new Vector<float>(gradients.Slice(i, width));
                var v = FlushSubnormal(vAlpha * new Vector<float>(average.Slice(i, width)) + vOneMinusAlpha * g * g);
                v.CopyTo(average.Slice(i, width));
                (new Vector<float>(parameters.Slice(i, width)) - vLr * g / (Vector.SquareRoot(v) + vEps)).CopyTo(parameters.Slice(i, width));
            }
        }
        // Same operations in the same order as the vector loop, so every element rounds identically.
        for (; i < parameters.Length; i++)
        {
            float g = gradients[i];
            float v = FlushSubnormal(alpha * average[i] + oneMinusAlpha * g * g);
            average[i] = v;
            parameters[i] -= lr * g / (MathF.Sqrt(v) + eps);
        }
    }

    /// <summary>"RmsProp(lr=…, α=…, ε=…)".</summary>
    public override string ToString() => $"RmsProp(lr={Format(LearningRate)}, α={Format(Alpha)}, ε={Format(Epsilon)})";
}
