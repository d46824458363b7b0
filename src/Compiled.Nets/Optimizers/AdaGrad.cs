using System;
using System.Numerics;

namespace Compiled.Nets.Optimizers;

/// <summary>
/// AdaGrad, as PyTorch's <c>torch.optim.Adagrad</c> (no learning-rate decay, initial accumulator 0):
/// s ← s + g², p ← p − η g / (√s + ε). Unlike the decaying averages of the other optimizers, s is not flushed to zero
/// below the normal range: it never decays, so it leaves that range with the first gradient that is not tiny and
/// cannot fall back into it.
/// </summary>
public sealed class AdaGrad : Optimizer
{
    /// <summary>AdaGrad with PyTorch's defaults (lr 0.01, ε 10⁻¹⁰).</summary>
    /// <param name="learningRate">η, positive and finite.</param>
    /// <param name="epsilon">ε, positive and finite.</param>
    public AdaGrad(float learningRate = 0.01f, float epsilon = 1e-10f) : base(learningRate) =>
        Epsilon = RequirePositive(epsilon, nameof(epsilon));

    /// <summary>ε, added to √s.</summary>
    public float Epsilon { get; }

    /// <summary>State floats per parameter: 1 (the sum of g²).</summary>
    protected override int StateSlotsPerParameter => 1;

    /// <summary>One update of <paramref name="parameters"/> from <paramref name="gradients"/>: AdaGrad's rule with the state in <paramref name="state"/>.</summary>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, OptimizerState state, long step)
    {
        float lr = LearningRate, eps = Epsilon;
        Span<float> sum = state.Slot(0);
        int i = 0, width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vLr = new Vector<float>(lr);
            var vEps = new Vector<float>(eps);
            for (; i + width <= parameters.Length; i += width)
            {
                var g = new Vector<float>(gradients.Slice(i, width));
                var s = new Vector<float>(sum.Slice(i, width)) + g * g;
                s.CopyTo(sum.Slice(i, width));
                (new Vector<float>(parameters.Slice(i, width)) - vLr * g / (Vector.SquareRoot(s) + vEps)).CopyTo(parameters.Slice(i, width));
            }
        }
        // Same operations in the same order as the vector loop, so every element rounds identically.
        for (; i < parameters.Length; i++)
        {
            float g = gradients[i];
            float s = sum[i] + g * g;
            sum[i] = s;
            parameters[i] -= lr * g / (MathF.Sqrt(s) + eps);
        }
    }

    /// <summary>"AdaGrad(lr=…, ε=…)".</summary>
    public override string ToString() => $"AdaGrad(lr={Format(LearningRate)}, ε={Format(Epsilon)})";
}
