using System.ComponentModel;
using System;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// Stochastic neurons: y = f(x + z) with z standard logistic from the step's random stream while training, y = f(x) at
/// inference. For a binary unit (Heaviside, Sign) the backward pass uses a straight-through estimator.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class StochasticKernels
{
    /// <summary>y = f(x + z), z = <see cref="CounterRandom.Logistic"/> of value i.</summary>
    public static void ForwardTraining<TAct>(ReadOnlySpan<float> x, Span<float> y, uint seed, uint step, uint stream, TAct activation)
        where TAct : struct, IActivation
    {
        KernelChecks.Length("StochasticKernels.ForwardTraining", nameof(y), y.Length, x.Length);
        for (int i = 0; i < x.Length; i++) y[i] = activation.Apply(x[i] + CounterRandom.Logistic(seed, step, stream, (uint)i));
    }

    /// <summary>y = f(x): the noise is off at inference.</summary>
    public static void ForwardInference<TAct>(ReadOnlySpan<float> x, Span<float> y, TAct activation) where TAct : struct, IActivation
    {
        KernelChecks.Length("StochasticKernels.ForwardInference", nameof(y), y.Length, x.Length);
        for (int i = 0; i < x.Length; i++) y[i] = activation.Apply(x[i]);
    }

    /// <summary>dPrev = dy ⊙ f′(y) ⊙ f′_prev(x) for a differentiable f (the noise is a constant of the step).</summary>
    public static void Backward<TAct, TPrev>(ReadOnlySpan<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<float> x, Span<float> dPrev,
        TAct activation, TPrev previousActivation)
        where TAct : struct, IActivation where TPrev : struct, IActivation
    {
        CheckBackward("StochasticKernels.Backward", dy, y, x, dPrev);
        for (int i = 0; i < dy.Length; i++) dPrev[i] = dy[i] * activation.Derivative(y[i]) * previousActivation.Derivative(x[i]);
    }

    /// <summary>
    /// A binary unit's straight-through estimate: dPrev = dy ⊙ scale · σ(x)(1 − σ(x)) ⊙ f′_prev(x) (sigmoid-adjusted;
    /// scale 1 for Heaviside, 2 for Sign), or dy ⊙ f′_prev(x) when <paramref name="identity"/>.
    /// </summary>
    public static void StraightThroughBackward<TPrev>(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dPrev, bool identity, float scale,
        TPrev previousActivation)
        where TPrev : struct, IActivation
    {
        CheckBackward("StochasticKernels.StraightThroughBackward", dy, x, x, dPrev);
        for (int i = 0; i < dy.Length; i++)
        {
            float through = 1f;
            if (!identity)
            {
                float s = 1f / (1f + MathF.Exp(-x[i]));
                through = scale * s * (1f - s);
            }
            dPrev[i] = dy[i] * through * previousActivation.Derivative(x[i]);
        }
    }

    private static void CheckBackward(string kernel, ReadOnlySpan<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<float> x, Span<float> dPrev)
    {
        KernelChecks.Length(kernel, nameof(y), y.Length, dy.Length);
        KernelChecks.Length(kernel, nameof(x), x.Length, dy.Length);
        KernelChecks.Length(kernel, nameof(dPrev), dPrev.Length, dy.Length);
    }
}
