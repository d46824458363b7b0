using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Compiled.Nets.Optimizers;

/// <summary>
/// A parameter update rule. <c>Step</c> is one fused pass over the parameter arena; the rule's
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

    /// <summary>An optimizer with the step size <paramref name="learningRate"/> (positive and finite).</summary>
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
        Begin(parameters, gradients);
        Update(parameters, gradients, new OptimizerState(_state, 0, parameters.Length, parameters.Length), StepCount);
    }

    /// <summary>
    /// One update of the parameters in <paramref name="ranges"/> only (a network with frozen layers): the others and their
    /// state stay exactly as they were, as PyTorch skips a parameter whose <c>requires_grad</c> is off. The ranges are
    /// (start, count) pairs inside the arena, in any order, not overlapping; the step count advances once per call.
    /// </summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, ReadOnlySpan<(int Start, int Count)> ranges)
    {
        foreach (var (start, count) in ranges)
            if (start < 0 || count < 0 || (long)start + count > parameters.Length)
                throw new ArgumentOutOfRangeException(nameof(ranges), $"The range ({start}, {count}) is not inside the {parameters.Length} parameters.");
        Begin(parameters, gradients);
        foreach (var (start, count) in ranges)
            if (count > 0)
                Update(parameters.Slice(start, count), gradients.Slice(start, count), new OptimizerState(_state, start, count, parameters.Length), StepCount);
    }

    private void Begin(Span<float> parameters, ReadOnlySpan<float> gradients)
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

    /// <summary>
    /// The update itself, element-wise over <paramref name="parameters"/> (the whole arena or one trainable range of it):
    /// <paramref name="state"/> gives the matching <see cref="StateSlotsPerParameter"/> slots; <paramref name="step"/> counts from 1.
    /// </summary>
    protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients, OptimizerState state, long step);
}

/// <summary>
/// An optimizer's state for the parameters one <c>Update</c> call sees: slot k (Adam's m is 0, v is 1) of those
/// parameters. The arena keeps each slot for the whole network contiguous ([m | v]), so a range of parameters reads the
/// same range of every slot.
/// </summary>
public readonly ref struct OptimizerState
{
    private readonly Span<float> _arena;
    private readonly int _start, _count, _total;

    internal OptimizerState(Span<float> arena, int start, int count, int total)
    {
        _arena = arena;
        _start = start;
        _count = count;
        _total = total;
    }

    /// <summary>Slot <paramref name="k"/> of the parameters being updated, one float per parameter.</summary>
    public Span<float> Slot(int k) => _arena.Slice(k * _total + _start, _count);
}
