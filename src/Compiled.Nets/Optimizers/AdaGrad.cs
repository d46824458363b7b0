using System;
using System.Runtime.Intrinsics;

namespace Compiled.Nets.Optimizers;

/// <summary>
/// AdaGrad, as PyTorch's <c>torch.optim.Adagrad</c> (no learning-rate decay, initial accumulator 0):
/// s ← s + g², p ← p − η g / (√s + ε).
/// </summary>
public sealed class AdaGrad : Optimizer
{
    /// <param name="learningRate">η, positive and finite.</param>
    /// <param name="epsilon">ε, positive and finite.</param>
    public AdaGrad(float learningRate = 0.01f, float epsilon = 1e-10f) : base(learningRate) =>
        Epsilon = RequirePositive(epsilon, nameof(epsilon));

    /// <summary>ε, added to √s.</summary>
    public float Epsilon { get; }

    protected override int StateSlotsPerParameter => 1;

    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, long step)
    {
        float lr = LearningRate, eps = Epsilon;
        Span<float> sum = state.Slice(0, parameters.Length);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vLr = Vector256.Create(lr);
            var vEps = Vector256.Create(eps);
            for (; i + 8 <= parameters.Length; i += 8)
            {
                var g = Vector256.Create(gradients.Slice(i, 8));
                var s = Vector256.Create(sum.Slice(i, 8)) + g * g;
                s.CopyTo(sum.Slice(i, 8));
                (Vector256.Create(parameters.Slice(i, 8)) - vLr * g / (Vector256.Sqrt(s) + vEps)).CopyTo(parameters.Slice(i, 8));
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

    public override string ToString() => $"AdaGrad(lr={Format(LearningRate)}, ε={Format(Epsilon)})";
}
