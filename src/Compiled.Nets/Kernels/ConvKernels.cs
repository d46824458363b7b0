using System;

namespace Compiled.Nets.Kernels;

/// <summary>
/// The shape of a 2-D convolution in PyTorch's conventions: input [InChannels, InHeight, InWidth] per sample (NCHW),
/// weight [OutChannels, InChannels / Groups, KernelHeight, KernelWidth] then bias [OutChannels], zero padding,
/// output size (N + 2P − F) / S + 1 per dimension. A 1-D convolution is the same with height 1.
/// </summary>
public readonly record struct Conv2DShape(int InChannels, int InHeight, int InWidth, int OutChannels, int KernelHeight, int KernelWidth,
    int StrideHeight = 1, int StrideWidth = 1, int PadHeight = 0, int PadWidth = 0, int Groups = 1)
{
    public int OutHeight => (InHeight + 2 * PadHeight - KernelHeight) / StrideHeight + 1;
    public int OutWidth => (InWidth + 2 * PadWidth - KernelWidth) / StrideWidth + 1;
    public int InputSize => InChannels * InHeight * InWidth;
    public int OutputSize => OutChannels * OutHeight * OutWidth;
    public int Positions => OutHeight * OutWidth;
    /// <summary>Values in one receptive field of one group: (InChannels / Groups) · KernelHeight · KernelWidth.</summary>
    public int PatchLength => InChannels / Groups * KernelHeight * KernelWidth;
    public int WeightCount => OutChannels * PatchLength;

    /// <summary>Floats of scratch the kernels need: one sample's patches, one group's output rows, one group's weight and bias gradients.</summary>
    public int ScratchLength => Positions * PatchLength + Positions * (OutChannels / Groups) + OutChannels / Groups * (PatchLength + 1);

    public void Validate()
    {
        if (InChannels <= 0 || OutChannels <= 0 || KernelHeight <= 0 || KernelWidth <= 0 || StrideHeight <= 0 || StrideWidth <= 0 || PadHeight < 0 || PadWidth < 0)
            throw new ArgumentException($"invalid convolution shape {this}");
        if (Groups <= 0 || InChannels % Groups != 0 || OutChannels % Groups != 0)
            throw new ArgumentException($"{Groups} groups do not divide {InChannels} input and {OutChannels} output channels");
        if (OutHeight <= 0 || OutWidth <= 0)
            throw new ArgumentException($"a {KernelHeight}×{KernelWidth} kernel does not fit a padded {InHeight + 2 * PadHeight}×{InWidth + 2 * PadWidth} input");
    }
}

/// <summary>
/// 2-D convolution on the CPU as im2col plus the dense layer's register-blocked SIMD kernels: each output position's
/// receptive field becomes a row, so a convolution is a dense layer applied to every position at once.
/// </summary>
public static class ConvKernels
{
    /// <summary>y = f(conv(x) + b) for a batch (NCHW rows of <see cref="Conv2DShape.InputSize"/> and <see cref="Conv2DShape.OutputSize"/>).</summary>
    public static void Forward<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int batch, Conv2DShape shape, Span<float> scratch, TAct activation) where TAct : struct, IActivation
    {
        shape.Validate();
        Check(x.Length, batch * shape.InputSize, nameof(x));
        Check(w.Length, shape.WeightCount, nameof(w));
        Check(bias.Length, shape.OutChannels, nameof(bias));
        Check(y.Length, batch * shape.OutputSize, nameof(y));
        Check(scratch.Length, shape.ScratchLength, nameof(scratch), atLeast: true);
        int positions = shape.Positions, patch = shape.PatchLength, groupOut = shape.OutChannels / shape.Groups;
        var columns = scratch.Slice(0, positions * patch);
        var rows = scratch.Slice(positions * patch, positions * groupOut);
        for (int b = 0; b < batch; b++)
        {
            var sample = x.Slice(b * shape.InputSize, shape.InputSize);
            var output = y.Slice(b * shape.OutputSize, shape.OutputSize);
            for (int g = 0; g < shape.Groups; g++)
            {
                Im2Col(sample, columns, shape, g);
                // rows[position, o] = f(b[o] + Σ_k columns[position, k] w[o, k]) for the group's output channels.
                DenseKernels.Forward(columns, w.Slice(g * groupOut * patch, groupOut * patch), bias.Slice(g * groupOut, groupOut), rows,
                    positions, patch, groupOut, activation);
                for (int p = 0; p < positions; p++)
                    for (int o = 0; o < groupOut; o++)
                        output[(g * groupOut + o) * positions + p] = rows[p * groupOut + o];
            }
        }
    }

    /// <summary>dW and db (overwritten) from dz, the gradient at the pre-activation (NCHW), and the layer's input x.</summary>
    public static void WeightGradient(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> dw, Span<float> db,
        int batch, Conv2DShape shape, Span<float> scratch)
    {
        shape.Validate();
        Check(dz.Length, batch * shape.OutputSize, nameof(dz));
        Check(x.Length, batch * shape.InputSize, nameof(x));
        Check(dw.Length, shape.WeightCount, nameof(dw));
        Check(db.Length, shape.OutChannels, nameof(db));
        Check(scratch.Length, shape.ScratchLength, nameof(scratch), atLeast: true);
        int positions = shape.Positions, patch = shape.PatchLength, groupOut = shape.OutChannels / shape.Groups;
        var columns = scratch.Slice(0, positions * patch);
        var rows = scratch.Slice(positions * patch, positions * groupOut);
        var partial = scratch.Slice(positions * patch + positions * groupOut, groupOut * patch);
        var partialBias = scratch.Slice(positions * patch + positions * groupOut + groupOut * patch, groupOut);
        dw.Clear();
        db.Clear();
        for (int b = 0; b < batch; b++)
        {
            var sample = x.Slice(b * shape.InputSize, shape.InputSize);
            var gradient = dz.Slice(b * shape.OutputSize, shape.OutputSize);
            for (int g = 0; g < shape.Groups; g++)
            {
                Im2Col(sample, columns, shape, g);
                for (int p = 0; p < positions; p++)
                    for (int o = 0; o < groupOut; o++)
                        rows[p * groupOut + o] = gradient[(g * groupOut + o) * positions + p];
                // partial[o, k] = Σ_position rows[position, o] columns[position, k]; partialBias[o] = Σ_position rows[position, o].
                DenseKernels.WeightGradient(rows, columns, partial, partialBias, positions, patch, groupOut);
                DenseKernels.Add(dw.Slice(g * groupOut * patch, groupOut * patch), partial);
                DenseKernels.Add(db.Slice(g * groupOut, groupOut), partialBias);
            }
        }
    }

    /// <summary>
    /// dx = f′_prev(yPrev) ⊙ convᵀ(dz): the gradient at the previous layer's pre-activation (this is also a transposed
    /// convolution's forward pass).
    /// </summary>
    public static void InputGradient<TAct>(ReadOnlySpan<float> dz, ReadOnlySpan<float> w, ReadOnlySpan<float> yPrev, Span<float> dx,
        int batch, Conv2DShape shape, Span<float> scratch, TAct previousActivation) where TAct : struct, IActivation
    {
        shape.Validate();
        Check(dz.Length, batch * shape.OutputSize, nameof(dz));
        Check(w.Length, shape.WeightCount, nameof(w));
        Check(yPrev.Length, batch * shape.InputSize, nameof(yPrev));
        Check(dx.Length, batch * shape.InputSize, nameof(dx));
        Check(scratch.Length, shape.ScratchLength, nameof(scratch), atLeast: true);
        int positions = shape.Positions, patch = shape.PatchLength, groupOut = shape.OutChannels / shape.Groups;
        var columns = scratch.Slice(0, positions * patch);
        var rows = scratch.Slice(positions * patch, positions * groupOut);
        dx.Clear();
        for (int b = 0; b < batch; b++)
        {
            var gradient = dz.Slice(b * shape.OutputSize, shape.OutputSize);
            var sample = dx.Slice(b * shape.InputSize, shape.InputSize);
            for (int g = 0; g < shape.Groups; g++)
            {
                for (int p = 0; p < positions; p++)
                    for (int o = 0; o < groupOut; o++)
                        rows[p * groupOut + o] = gradient[(g * groupOut + o) * positions + p];
                // columns[position, k] = Σ_o rows[position, o] w[o, k], then each column adds back to its input pixel.
                DenseKernels.InputGradient(rows, w.Slice(g * groupOut * patch, groupOut * patch), columns, columns, positions, patch, groupOut,
                    default(LinearActivation));
                Col2ImAdd(columns, sample, shape, g);
            }
        }
        if (typeof(TAct) != typeof(LinearActivation))
            for (int i = 0; i < dx.Length; i++) dx[i] *= previousActivation.Derivative(yPrev[i]);
    }

    /// <summary>
    /// A transposed convolution's forward pass, y = f(convᵀ(x) + b): <paramref name="shape"/> is the convolution it transposes
    /// (x has its output's shape, y its input's), the bias is per channel of y.
    /// </summary>
    public static void TransposedForward<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int batch, Conv2DShape shape, Span<float> scratch, TAct activation) where TAct : struct, IActivation
    {
        Check(bias.Length, shape.InChannels, nameof(bias));
        InputGradient(x, w, y, y, batch, shape, scratch, default(LinearActivation));
        int plane = shape.InHeight * shape.InWidth;
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < shape.InChannels; c++)
            {
                var map = y.Slice((b * shape.InChannels + c) * plane, plane);
                float add = bias[c];
                for (int i = 0; i < map.Length; i++) map[i] = activation.Apply(map[i] + add);
            }
    }

    /// <summary>
    /// A transposed convolution's backward pass from dz (the gradient at its pre-activation, shaped like the transposed
    /// convolution's input): dW, db (overwritten) and, when <paramref name="dx"/> is not empty, dx = f′_prev(yPrev) ⊙ conv(dz).
    /// </summary>
    public static void TransposedBackward<TAct>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> dw, Span<float> db,
        ReadOnlySpan<float> yPrev, Span<float> dx, int batch, Conv2DShape shape, Span<float> scratch, TAct previousActivation) where TAct : struct, IActivation
    {
        Check(db.Length, shape.InChannels, nameof(db));
        Check(scratch.Length, shape.ScratchLength + shape.OutChannels, nameof(scratch), atLeast: true);
        // Its weight gradient is the convolution's with the roles swapped (the convolution's "bias gradient" Σ x is discarded).
        var discarded = scratch.Slice(shape.ScratchLength, shape.OutChannels);
        WeightGradient(x, dz, dw, discarded, batch, shape, scratch);
        ChannelSums(dz, db, batch, shape.InChannels, shape.InHeight * shape.InWidth);
        if (dx.IsEmpty) return;
        discarded.Clear();
        Forward(dz, w, discarded, dx, batch, shape, scratch, default(LinearActivation));
        GraphKernels.MultiplyByDerivative(dx, yPrev, previousActivation);
    }

    /// <summary>sums[c] = Σ over the batch and the plane of channel c (a per-channel bias gradient).</summary>
    public static void ChannelSums(ReadOnlySpan<float> values, Span<float> sums, int batch, int channels, int plane)
    {
        Check(values.Length, batch * channels * plane, nameof(values));
        Check(sums.Length, channels, nameof(sums));
        sums.Clear();
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
            {
                float sum = 0f;
                foreach (float v in values.Slice((b * channels + c) * plane, plane)) sum += v;
                sums[c] += sum;
            }
    }

    /// <summary>One sample's receptive fields for group <paramref name="group"/> as rows: columns[position, (c, kh, kw)], zeros in the padding.</summary>
    private static void Im2Col(ReadOnlySpan<float> sample, Span<float> columns, Conv2DShape s, int group)
    {
        columns.Clear(); // the padding stays 0
        var gather = new Gather(sample, columns);
        VisitPatches(s, group, ref gather);
    }

    /// <summary>The inverse of <see cref="Im2Col"/>: each patch value is added back to its input pixel (padding dropped).</summary>
    private static void Col2ImAdd(ReadOnlySpan<float> columns, Span<float> sample, Conv2DShape s, int group)
    {
        var scatter = new ScatterAdd(columns, sample);
        VisitPatches(s, group, ref scatter);
    }

    private interface IPatchVisitor
    {
        /// <summary>Column index in the patch rows, pixel index in the sample (only for pixels inside the input).</summary>
        void Visit(int column, int pixel);
    }

    private ref struct Gather(ReadOnlySpan<float> sample, Span<float> columns) : IPatchVisitor
    {
        private readonly ReadOnlySpan<float> _sample = sample;
        private readonly Span<float> _columns = columns;
        public void Visit(int column, int pixel) => _columns[column] = _sample[pixel];
    }

    private ref struct ScatterAdd(ReadOnlySpan<float> columns, Span<float> sample) : IPatchVisitor
    {
        private readonly ReadOnlySpan<float> _columns = columns;
        private readonly Span<float> _sample = sample;
        public void Visit(int column, int pixel) => _sample[pixel] += _columns[column];
    }

    /// <summary>Walks every (output position, channel, kernel offset) of one group once, skipping the padding.</summary>
    private static void VisitPatches<TVisitor>(Conv2DShape s, int group, ref TVisitor visitor) where TVisitor : IPatchVisitor, allows ref struct
    {
        int groupIn = s.InChannels / s.Groups, patch = s.PatchLength, ow = s.OutWidth, plane = s.InHeight * s.InWidth;
        for (int oy = 0; oy < s.OutHeight; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                int column = (oy * ow + ox) * patch;
                for (int c = 0; c < groupIn; c++)
                {
                    int channel = (group * groupIn + c) * plane;
                    for (int ky = 0; ky < s.KernelHeight; ky++)
                    {
                        int iy = oy * s.StrideHeight - s.PadHeight + ky;
                        for (int kx = 0; kx < s.KernelWidth; kx++, column++)
                        {
                            int ix = ox * s.StrideWidth - s.PadWidth + kx;
                            if ((uint)iy < (uint)s.InHeight && (uint)ix < (uint)s.InWidth) visitor.Visit(column, channel + iy * s.InWidth + ix);
                        }
                    }
                }
            }
    }

    private static void Check(int actual, int expected, string name, bool atLeast = false)
    {
        if (atLeast ? actual < expected : actual != expected)
            throw new ArgumentException($"{name} has length {actual}, but the convolution's shape needs {(atLeast ? "at least " : "")}{expected}.", name);
    }
}
