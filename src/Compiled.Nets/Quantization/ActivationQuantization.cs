using System;
using System.Globalization;

namespace Compiled.Nets.Quantization;

/// <summary>
/// How one activation tensor is stored as bytes: <c>q = clamp(round(x / Scale) + ZeroPoint, 0, 127)</c>, and
/// <c>x ≈ Scale · (q − ZeroPoint)</c>. Seven bits, not eight: the AVX2 product (<c>vpmaddubsw</c>) adds two u8 × s8
/// products into an int16, which a full byte could overflow (see <see cref="Int8Path.Avx2"/>). Rounding is to nearest,
/// ties to even, as ONNX's QuantizeLinear.
/// </summary>
public readonly record struct ActivationQuantization
{
    /// <summary>The largest stored value.</summary>
    public const int MaxLevel = 127;

    /// <summary>A quantisation with <paramref name="scale"/> (positive, finite) and <paramref name="zeroPoint"/> in [0, 127].</summary>
    public ActivationQuantization(float scale, int zeroPoint)
    {
        if (!(scale > 0f) || !float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "A scale must be positive and finite.");
        if (zeroPoint < 0 || zeroPoint > MaxLevel) throw new ArgumentOutOfRangeException(nameof(zeroPoint), zeroPoint, $"A zero point is a level in [0, {MaxLevel}].");
        Scale = scale;
        ZeroPoint = zeroPoint;
        InverseScale = 1f / scale;
    }

    /// <summary>The float step between two levels.</summary>
    public float Scale { get; }
    /// <summary>The level that stands for 0.</summary>
    public int ZeroPoint { get; }
    /// <summary>1 / <see cref="Scale"/>: the kernels multiply by it.</summary>
    public float InverseScale { get; }

    /// <summary>
    /// The quantisation of a calibrated range [<paramref name="min"/>, <paramref name="max"/>], widened to hold 0 (so zero,
    /// the padding value, is exact): 127 levels over the range, the zero point where 0 falls. An empty or all-zero range gets scale 1.
    /// </summary>
    public static ActivationQuantization FromRange(float min, float max)
    {
        if (float.IsNaN(min) || float.IsNaN(max)) throw new ArgumentException("A calibrated range cannot hold NaN.");
        float low = MathF.Min(min, 0f), high = MathF.Max(max, 0f);
        float scale = (high - low) / MaxLevel;
        if (!(scale > 0f) || !float.IsFinite(scale)) return new ActivationQuantization(1f, 0);
        int zeroPoint = Math.Clamp((int)MathF.Round(-low / scale), 0, MaxLevel);
        return new ActivationQuantization(scale, zeroPoint);
    }

    /// <summary>One value to its level (the kernels' scalar form).</summary>
    public byte Quantize(float x) => (byte)Math.Clamp((int)MathF.Round(Math.Clamp(x * InverseScale, -256f, 256f)) + ZeroPoint, 0, MaxLevel);

    /// <summary>A level back to its value: Scale · (q − ZeroPoint).</summary>
    public float Dequantize(byte q) => Scale * (q - ZeroPoint);

    /// <summary>"scale …, zero point …".</summary>
    public override string ToString() =>
        $"scale {Scale.ToString("R", CultureInfo.InvariantCulture)}, zero point {ZeroPoint}";
}

/// <summary>The range of each calibrated tensor, gathered over the calibration samples (min/max calibration).</summary>
public sealed class Calibration
{
    private readonly float[] _min;
    private readonly float[] _max;

    /// <summary>Empty ranges for <paramref name="tensors"/> tensors.</summary>
    public Calibration(int tensors)
    {
        if (tensors <= 0) throw new ArgumentOutOfRangeException(nameof(tensors), tensors, "At least one tensor is calibrated.");
        _min = new float[tensors];
        _max = new float[tensors];
        _min.AsSpan().Fill(float.PositiveInfinity);
        _max.AsSpan().Fill(float.NegativeInfinity);
    }

    /// <summary>Widens tensor <paramref name="tensor"/>'s range to hold <paramref name="values"/>.</summary>
    public void Observe(int tensor, ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return;
        float min = _min[tensor], max = _max[tensor];
        foreach (float v in values)
        {
            if (float.IsNaN(v)) ThrowNaN(tensor);
            if (v < min) min = v;
            if (v > max) max = v;
        }
        _min[tensor] = min;
        _max[tensor] = max;
    }

    private static void ThrowNaN(int tensor) =>
        throw new ArgumentException($"Calibration met NaN in tensor {tensor}: the float network's weights or inputs are not finite.", "values");

    /// <summary>The smallest value seen in tensor <paramref name="tensor"/>.</summary>
    public float Min(int tensor) => _min[tensor];
    /// <summary>The largest value seen in tensor <paramref name="tensor"/>.</summary>
    public float Max(int tensor) => _max[tensor];

    /// <summary>Tensor <paramref name="tensor"/>'s quantisation from its range.</summary>
    public ActivationQuantization Result(int tensor) =>
        float.IsFinite(_min[tensor]) && float.IsFinite(_max[tensor])
            ? ActivationQuantization.FromRange(_min[tensor], _max[tensor])
            : throw new InvalidOperationException($"Tensor {tensor} was never observed (or its values are infinite); run the calibration samples first.");
}
