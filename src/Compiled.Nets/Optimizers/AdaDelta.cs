using System;
using System.Numerics;

namespace Compiled.Nets.Optimizers;

/// <summary>
/// AdaDelta, as PyTorch's <c>torch.optim.Adadelta</c>:
/// v ← ρ v + (1 − ρ) g², δ = √(u + ε) / √(v + ε) · g, u ← ρ u + (1 − ρ) δ², p ← p − η δ.
/// v and u are flushed to zero when they decay below the normal range
/// (<see cref="Optimizer.FlushSubnormal(System.Numerics.Vector{float})"/>: a subnormal slows every step on Intel cores).
/// </summary>
public sealed class AdaDelta : Optimizer
{
    /// <summary>AdaDelta with PyTorch's defaults (lr 1, ρ 0.9, ε 10⁻⁶).</summary>
    /// <param name="learningRate">η, positive and finite (PyTorch's default 1 applies δ as it is).</param>
    /// <param name="rho">ρ, the decay of both running averages, in [0, 1].</param>
    /// <param name="epsilon">ε, positive and finite.</param>
    public AdaDelta(float learningRate = 1.0f, float rho = 0.9f, float epsilon = 1e-6f) : base(learningRate)
    {
        Rho = RequireFraction(rho, nameof(rho), allowOne: true);
        Epsilon = RequirePositive(epsilon, nameof(epsilon));
    }

    /// <summary>ρ, the decay of the squared-gradient and squared-update averages.</summary>
    public float Rho { get; }

    /// <summary>ε, added under both square roots.</summary>
    public float Epsilon { get; }

    /// <summary>State floats per parameter: 2 (running averages of g² and of Δx²).</summary>
    protected override int StateSlotsPerParameter => 2;

    /// <summary>One update of <paramref name="parameters"/> from <paramref name="gradients"/>: AdaDelta's rule with the state in <paramref name="state"/>.</summary>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, OptimizerState state, long step)
    {
        float lr = LearningRate, rho = Rho, oneMinusRho = 1f - Rho, eps = Epsilon;
        int n = parameters.Length;
        // State arena: [v (squared gradients) | u (squared updates)], each n floats.
        Span<float> squareAverage = state.Slot(0);
        Span<float> deltaAverage = state.Slot(1);
        int i = 0, width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vLr = new Vector<float>(lr);
            var vRho = new Vector<float>(rho);
            var vOneMinusRho = new Vector<float>(oneMinusRho);
            var vEps = new Vector<float>(eps);
            for (; i + width <= n; i += width)
            {
                var g = new Vector<float>(gradients.Slice(i, width));
                var v = FlushSubnormal(vRho * new Vector<float>(squareAverage.Slice(i, width)) + vOneMinusRho * g * g);
                v.CopyTo(squareAverage.Slice(i, width));
                var u = new Vector<float>(deltaAverage.Slice(i, width));
                var delta = Vector.SquareRoot(u + vEps) / Vector.SquareRoot(v + vEps) * g;
                FlushSubnormal(vRho * u + vOneMinusRho * delta * delta).CopyTo(deltaAverage.Slice(i, width));
                (new Vector<float>(parameters.Slice(i, width)) - vLr * delta).CopyTo(parameters.Slice(i, width));
            }
        }
        // Same operations in the same order as the vector loop, so every element rounds identically.
        for (; i < n; i++)
        {
            float g = gradients[i];
            float v = FlushSubnormal(rho * squareAverage[i] + oneMinusRho * g * g);
            squareAverage[i] = v;
            float u = deltaAverage[i];
            float delta = MathF.Sqrt(u + eps) / MathF.Sqrt(v + eps) * g;
            deltaAverage[i] = FlushSubnormal(rho * u + oneMinusRho * delta * delta);
            parameters[i] -= lr * delta;
        }
    }

    /// <summary>"AdaDelta(lr=…, ρ=…, ε=…)".</summary>
    public override string ToString() => $"AdaDelta(lr={Format(LearningRate)}, ρ={Format(Rho)}, ε={Format(Epsilon)})";
}
