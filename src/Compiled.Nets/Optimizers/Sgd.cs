using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics;

namespace Compiled.Nets.Optimizers;

/// <summary>
/// Stochastic gradient descent, as PyTorch's <c>torch.optim.SGD</c> (dampening 0, no weight decay).
/// Without momentum: p ← p − η g. With momentum μ: b ← μ b + g (b = g on the first step),
/// d = g + μ b for Nesterov or d = b otherwise, and p ← p − η d. The buffer is flushed to zero when it decays below the
/// normal range (<see cref="Optimizer.FlushSubnormal(System.Numerics.Vector{float})"/>: a subnormal slows every step on Intel cores).
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>SGD, plain by default, with momentum μ and optionally Nesterov's variant.</summary>
    /// <param name="learningRate">η, positive and finite.</param>
    /// <param name="momentum">μ in [0, 1); 0 keeps no state.</param>
    /// <param name="nesterov">Nesterov momentum; needs <paramref name="momentum"/> &gt; 0.</param>
    public Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false) : base(learningRate)
    {
        Momentum = RequireFraction(momentum, nameof(momentum));
        if (nesterov && momentum == 0f)
            throw new ArgumentException("Nesterov momentum needs a momentum greater than 0.", nameof(nesterov));
        Nesterov = nesterov;
    }

    /// <summary>μ, the momentum factor.</summary>
    public float Momentum { get; }

    /// <summary>Whether the step looks ahead along the momentum buffer.</summary>
    public bool Nesterov { get; }

    /// <summary>State floats per parameter: 1 with momentum (the velocity), 0 without.</summary>
    protected override int StateSlotsPerParameter => Momentum > 0f ? 1 : 0;

    /// <summary>One update of <paramref name="parameters"/> from <paramref name="gradients"/>: SGD, with momentum and Nesterov's variant when set, the velocity in <paramref name="state"/>.</summary>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, OptimizerState state, long step)
    {
        float lr = LearningRate;
        if (Momentum == 0f)
        {
            UpdatePlain(parameters, gradients, lr);
            return;
        }

        // The buffer starts at zero, so μ·0 + g reproduces PyTorch's first-step b = g exactly.
        float mu = Momentum;
        bool nesterov = Nesterov;
        Span<float> buffer = state.Slot(0);
        int i = 0, width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vMu = new Vector<float>(mu);
            var vLr = new Vector<float>(lr);
            for (; i + width <= parameters.Length; i += width)
            {
                var g = new Vector<float>(gradients.Slice(i, width));
                var b = FlushSubnormal(vMu * new Vector<float>(buffer.Slice(i, width)) + g);
                b.CopyTo(buffer.Slice(i, width));
                var d = nesterov ? g + vMu * b : b;
                (new Vector<float>(parameters.Slice(i, width)) - vLr * d).CopyTo(parameters.Slice(i, width));
            }
        }
        // Same operations in the same order as the vector loop, so every element rounds identically.
        for (; i < parameters.Length; i++)
        {
            float g = gradients[i];
            float b = FlushSubnormal(mu * buffer[i] + g);
            buffer[i] = b;
            float d = nesterov ? g + mu * b : b;
            parameters[i] -= lr * d;
        }
    }

    // p ← p − η g; no state. Refs instead of a Slice per vector: a small network's step is mostly this loop's overhead.
    private static void UpdatePlain(Span<float> parameters, ReadOnlySpan<float> gradients, float lr)
    {
        int i = 0, n = parameters.Length, width = Vector<float>.Count;
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        if (Vector.IsHardwareAccelerated)
        {
            var vLr = new Vector<float>(lr);
            for (; i + width <= n; i += width)
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref p, (nuint)i) - vLr * Vector.LoadUnsafe(ref g, (nuint)i), ref p, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref p, i) -= lr * Unsafe.Add(ref g, i);
    }

    /// <summary>"Sgd(lr=…)", or with momentum "Sgd(lr=…, μ=…)" (and ", nesterov").</summary>
    public override string ToString() =>
        Momentum == 0f ? $"Sgd(lr={Format(LearningRate)})"
        : $"Sgd(lr={Format(LearningRate)}, μ={Format(Momentum)}{(Nesterov ? ", nesterov" : "")})";
}
