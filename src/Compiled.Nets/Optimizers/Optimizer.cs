using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Compiled.Nets.Optimizers;

/// <summary>
/// A parameter update rule. <see cref="Step"/> is one fused pass over the parameter arena; the rule's
/// state (momentum, squared-gradient averages, …) lives in its own arena, allocated on the first step.
/// Constants default to PyTorch's. The updates are element-wise loops over <see cref="System.Numerics.Vector{T}"/>, the
/// hardware's own width (256 bits with AVX2, 128 with SSE or AdvSimd; scalar where
/// <see cref="System.Numerics.Vector.IsHardwareAccelerated"/> is false), with a scalar tail of the same operations in the
/// same order, so every element rounds the same at every width.
/// </summary>
public abstract class Optimizer
{
    private float _learningRate;
    private float[] _state = Array.Empty<float>();
    private int _parameterCount = -1; // none seen yet

    protected Optimizer(float learningRate) => LearningRate = learningRate;

    /// <summary>The step size; positive and finite.</summary>
    public float LearningRate
    {
        get => _learningRate;
        set => _learningRate = Guard.LearningRate(value);
    }

    /// <summary>Updates taken so far (Adam's bias correction counts from 1).</summary>
    public long StepCount { get; private set; }

    /// <summary>The state arena as the updates left it (for tests and diagnostics: Adam's is [m | v]).</summary>
    internal ReadOnlySpan<float> State => _state;

    /// <summary>Floats of state per parameter (0 for plain SGD, 2 for Adam).</summary>
    protected abstract int StateSlotsPerParameter { get; }

    /// <summary>
    /// Applies one update. The first call allocates the state arena; a call with a different parameter count (the same
    /// optimizer given to a network of another size) starts over with a new zeroed arena and a step count of 0, so the
    /// state always matches the parameters it updates. Two networks of the same size would share one state: give each
    /// network its own optimizer.
    /// </summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (gradients.Length != parameters.Length)
            throw new ArgumentException($"gradients has length {gradients.Length}, but there are {parameters.Length} parameters.", nameof(gradients));
        long stateLength = (long)StateSlotsPerParameter * parameters.Length;
        if (stateLength > Array.MaxLength)
            throw new ArgumentException($"{parameters.Length} parameters need {stateLength} floats of {GetType().Name} state, more than an array holds.", nameof(parameters));
        if (parameters.Length != _parameterCount)
        {
            _state = new float[stateLength];
            _parameterCount = parameters.Length;
            StepCount = 0;
        }
        StepCount++;
        Update(parameters, gradients, _state, StepCount);
    }

    /// <summary>Forgets the state (momentum, averages) and the step count.</summary>
    public void Reset()
    {
        Array.Clear(_state);
        StepCount = 0;
    }

    /// <summary>Formats a constant for <see cref="object.ToString"/> the way Python prints it ("0.001", "1e-08").</summary>
    protected static string Format(float value) =>
        value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');

    /// <summary>Checks 0 ≤ <paramref name="value"/> &lt; 1 (or ≤ 1 when <paramref name="allowOne"/>); NaN fails.</summary>
    protected static float RequireFraction(float value, string parameter, bool allowOne = false)
    {
        bool ok = value >= 0f && (allowOne ? value <= 1f : value < 1f);
        if (!ok)
            throw new ArgumentOutOfRangeException(parameter, value, $"{parameter} must be in [0, 1{(allowOne ? "]" : ")")}.");
        return value;
    }

    /// <summary>Checks that <paramref name="value"/> is positive and finite (the ε constants: zero would divide 0 by 0 on a zero gradient).</summary>
    protected static float RequirePositive(float value, string parameter)
    {
        if (!(value > 0f) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException(parameter, value, $"{parameter} must be positive and finite, in (0, ∞).");
        return value;
    }

    /// <summary>2⁻¹²⁶, the smallest positive normal float.</summary>
    private const float SmallestNormal = 1.17549435e-38f;

    /// <summary>
    /// <paramref name="value"/>, or 0 where its magnitude is below the normal range (a NaN is kept). A running average
    /// that only decays (the state of a weight whose gradient is exactly zero step after step: an MNIST border pixel's
    /// weights, a unit the batch never activates) falls into the subnormal range after a few hundred steps at β = 0.9 or
    /// some sixty thousand at β = 0.999, and then stays there, since β·x rounds back to x for the smallest subnormals.
    /// Intel cores take a microcode assist on each operation with a subnormal operand or result, so every later step paid
    /// it on every such value: on a Xeon, Adam's step grew from 1.06 to 1.55 ms over a benchmark run, 2.7× SGD's (1.15×
    /// on an AMD Zen 4). Flushed, the state holds normal numbers and zeros only, and with
    /// the default ε no update changes by more than float rounding (ε dominates a subnormal under a square root; a
    /// subnormal numerator moves its parameter by less than 10⁻³⁰). A compare and a select per value, in a loop bound by
    /// memory traffic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector<float> FlushSubnormal(Vector<float> value) =>
        Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(value), new Vector<float>(SmallestNormal)), Vector<float>.Zero, value);

    /// <summary>The scalar <see cref="FlushSubnormal(Vector{float})"/>, for the loops' tails: the same result per value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static float FlushSubnormal(float value) => MathF.Abs(value) < SmallestNormal ? 0f : value;

    /// <summary>The update itself: <paramref name="state"/> holds <see cref="StateSlotsPerParameter"/> × n floats; <paramref name="step"/> counts from 1.</summary>
    protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, long step);
}
