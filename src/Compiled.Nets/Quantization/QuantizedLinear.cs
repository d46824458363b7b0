using System;

namespace Compiled.Nets.Quantization;

/// <summary>
/// A dense or convolution layer's weights as int8, one symmetric scale per output channel (<c>scale = max|w| / 127</c>,
/// <c>w_q = round(w / scale)</c> in [−127, 127]), each channel's row padded with zeros to a multiple of
/// <see cref="Int8Kernels.DepthAlignment"/> bytes; with the float bias and the quantisation of the layer's input and
/// output. The epilogue's constants are folded once here: <c>y = Multiplier[c] · Σ w_q x_q + Offset[c]</c>, where
/// <c>Multiplier[c] = s_x · s_w[c]</c> and <c>Offset[c] = bias[c] − Multiplier[c] · z_x · Σ_k w_q[c, k]</c>.
/// Immutable once made: shared by every thread that runs the model.
/// </summary>
public sealed class QuantizedLinear
{
    private readonly sbyte[] _weights;
    private readonly float[] _scales;
    private readonly float[] _bias;
    private readonly float[] _multipliers;
    private readonly float[] _offsets;

    private QuantizedLinear(string name, int outputs, int depth, ActivationQuantization input, ActivationQuantization? output,
        sbyte[] weights, float[] scales, float[] bias, float[] multipliers, float[] offsets)
    {
        Name = name;
        Outputs = outputs;
        Depth = depth;
        PaddedDepth = Int8Kernels.PaddedDepth(depth);
        Input = input;
        Output = output;
        _weights = weights;
        _scales = scales;
        _bias = bias;
        _multipliers = multipliers;
        _offsets = offsets;
    }

    /// <summary>The layer's name in the float network ("Hidden1", "C3").</summary>
    public string Name { get; }
    /// <summary>Output channels (a dense layer's units).</summary>
    public int Outputs { get; }
    /// <summary>Weights per channel: the dense layer's inputs, or in-channels × kernel height × kernel width.</summary>
    public int Depth { get; }
    /// <summary><see cref="Depth"/> rounded up to <see cref="Int8Kernels.DepthAlignment"/>: each row's length in bytes.</summary>
    public int PaddedDepth { get; }
    /// <summary>The layer input's quantisation.</summary>
    public ActivationQuantization Input { get; }
    /// <summary>The output's quantisation, or null when the layer writes floats (the network's output).</summary>
    public ActivationQuantization? Output { get; }

    /// <summary>Per output channel: the weights' scale.</summary>
    public ReadOnlySpan<float> WeightScales => _scales;
    /// <summary>Per output channel: the float bias.</summary>
    public ReadOnlySpan<float> Bias => _bias;
    /// <summary>[<see cref="Outputs"/>, <see cref="PaddedDepth"/>], zero past <see cref="Depth"/>.</summary>
    public ReadOnlySpan<sbyte> PaddedWeights => _weights;
    internal ReadOnlySpan<float> Multipliers => _multipliers;
    internal ReadOnlySpan<float> Offsets => _offsets;

    /// <summary>Quantised weight [<paramref name="output"/>, <paramref name="k"/>] (PyTorch's layout flattened: [out, in] or [out, in·kh·kw]).</summary>
    public sbyte Weight(int output, int k) =>
        (uint)output < (uint)Outputs && (uint)k < (uint)Depth ? _weights[output * PaddedDepth + k] : throw new ArgumentOutOfRangeException(nameof(k));

    /// <summary>
    /// Quantises <paramref name="weights"/> ([<paramref name="outputs"/>, <paramref name="depth"/>], PyTorch's layout) per
    /// output channel. Throws on a length mismatch or a non-finite value before making anything.
    /// </summary>
    public static QuantizedLinear Create(string name, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int outputs, int depth,
        ActivationQuantization input, ActivationQuantization? output)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (outputs <= 0) throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "A layer has at least one output.");
        if (depth <= 0) throw new ArgumentOutOfRangeException(nameof(depth), depth, "A layer reads at least one value.");
        if (weights.Length != (long)outputs * depth)
            throw new ArgumentException($"{name}: {weights.Length} weights for {outputs} outputs of {depth} inputs (expected {(long)outputs * depth}).", nameof(weights));
        if (bias.Length != outputs) throw new ArgumentException($"{name}: {bias.Length} biases for {outputs} outputs.", nameof(bias));
        Guard.Finite(weights, nameof(weights), depth);
        Guard.Finite(bias, nameof(bias), outputs);

        int padded = Int8Kernels.PaddedDepth(depth);
        var q = new sbyte[checked(outputs * padded)];
        var scales = new float[outputs];
        var multipliers = new float[outputs];
        var offsets = new float[outputs];
        for (int c = 0; c < outputs; c++)
        {
            var row = weights.Slice(c * depth, depth);
            float max = 0f;
            foreach (float w in row) max = MathF.Max(max, MathF.Abs(w));
            float scale = max > 0f ? max / 127f : 1f;
            float inverse = 1f / scale;
            int sum = 0;
            for (int k = 0; k < depth; k++)
            {
                int level = Math.Clamp((int)MathF.Round(row[k] * inverse), -127, 127);
                q[c * padded + k] = (sbyte)level;
                sum += level;
            }
            scales[c] = scale;
            multipliers[c] = input.Scale * scale;
            offsets[c] = bias[c] - multipliers[c] * input.ZeroPoint * sum;
        }
        return new QuantizedLinear(name, outputs, depth, input, output, q, scales, bias.ToArray(), multipliers, offsets);
    }
}
