using System.ComponentModel;
using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// How a convolution runs on the CPU. The generator chooses it while lowering a network (the same rule as
/// <see cref="Conv2DShape.Recommended"/>) and writes it into each <see cref="Conv2DShape"/>; the kernels follow it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum ConvAlgorithm
{
    /// <summary>Each tap becomes a copied row of the receptive fields, multiplied by the SIMD GEMM (<see cref="ConvGemm"/>); any shape.</summary>
    Im2Col = 0,

    /// <summary>
    /// The patch rows are shifted windows of zero-bordered planes (<see cref="ShiftedConv"/>), multiplied by the SIMD GEMM:
    /// stride 1 and not a 1×1 pointwise convolution.
    /// </summary>
    ShiftedRows = 1,

    /// <summary>Direct convolution, every output vector summing its taps in registers (<see cref="DirectConv"/>): one input channel per group.</summary>
    Direct = 2,
}

/// <summary>
/// The shape of a 2-D convolution in PyTorch's conventions: input [InChannels, InHeight, InWidth] per sample (NCHW),
/// weight [OutChannels, InChannels / Groups, KernelHeight, KernelWidth] then bias [OutChannels], zero padding,
/// output size (N + 2P − F) / S + 1 per dimension. A 1-D convolution is the same with height 1.
/// <see cref="Algorithm"/> says how the kernels run it: <see cref="Recommended"/> unless given.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct Conv2DShape
{
    /// <summary>
    /// A convolution's geometry, and how the kernels run it: <paramref name="Algorithm"/>, or <see cref="Recommended"/> when null
    /// (<see cref="Validate"/> rejects one that does not apply).
    /// </summary>
    public Conv2DShape(int InChannels, int InHeight, int InWidth, int OutChannels, int KernelHeight, int KernelWidth,
        int StrideHeight = 1, int StrideWidth = 1, int PadHeight = 0, int PadWidth = 0, int Groups = 1, ConvAlgorithm? Algorithm = null)
    {
        this.InChannels = InChannels;
        this.InHeight = InHeight;
        this.InWidth = InWidth;
        this.OutChannels = OutChannels;
        this.KernelHeight = KernelHeight;
        this.KernelWidth = KernelWidth;
        this.StrideHeight = StrideHeight;
        this.StrideWidth = StrideWidth;
        this.PadHeight = PadHeight;
        this.PadWidth = PadWidth;
        this.Groups = Groups;
        this.Algorithm = Algorithm ?? Recommended;
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; init; }
    /// <summary>Input height.</summary>
    public int InHeight { get; init; }
    /// <summary>Input width.</summary>
    public int InWidth { get; init; }
    /// <summary>Output channels (filters).</summary>
    public int OutChannels { get; init; }
    /// <summary>Kernel height.</summary>
    public int KernelHeight { get; init; }
    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; init; }
    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; init; }
    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; init; }
    /// <summary>Zero padding at the top and bottom.</summary>
    public int PadHeight { get; init; }
    /// <summary>Zero padding at the left and right.</summary>
    public int PadWidth { get; init; }
    /// <summary>Channel groups (1: a full convolution).</summary>
    public int Groups { get; init; }

    /// <summary>How the kernels run this convolution (forward, both gradients, transposed, and the scratch they need).</summary>
    public ConvAlgorithm Algorithm { get; init; }

    /// <summary>This shape with another algorithm (validated when a kernel runs it).</summary>
    public Conv2DShape WithAlgorithm(ConvAlgorithm algorithm) => this with { Algorithm = algorithm };

    // The sizes are checked products: a shape too large for 32-bit lengths throws rather than wrapping to a small
    // length that the kernels' span checks would accept (Validate turns that into an ArgumentException).
    /// <summary>Output height: (InHeight + 2·PadHeight − KernelHeight) / StrideHeight + 1.</summary>
    public int OutHeight => checked((InHeight + 2 * PadHeight - KernelHeight) / StrideHeight + 1);
    /// <summary>Output width: (InWidth + 2·PadWidth − KernelWidth) / StrideWidth + 1.</summary>
    public int OutWidth => checked((InWidth + 2 * PadWidth - KernelWidth) / StrideWidth + 1);
    /// <summary>Values per input sample.</summary>
    public int InputSize => checked(InChannels * InHeight * InWidth);
    /// <summary>Values per output sample.</summary>
    public int OutputSize => checked(OutChannels * OutHeight * OutWidth);
    /// <summary>Output positions per channel: OutHeight · OutWidth.</summary>
    public int Positions => checked(OutHeight * OutWidth);
    /// <summary>Values in one receptive field of one group: (InChannels / Groups) · KernelHeight · KernelWidth.</summary>
    public int PatchLength => checked(InChannels / Groups * KernelHeight * KernelWidth);
    /// <summary>Weight values: OutChannels · PatchLength.</summary>
    public int WeightCount => checked(OutChannels * PatchLength);

    /// <summary>
    /// The algorithm measured fastest for this shape (docs/cnn.md), the generator's rule too:
    /// <list type="bullet">
    /// <item>shifted rows where they fit (<see cref="ShiftedConv.Fits"/>: stride 1, not pointwise, at most
    /// <see cref="ShiftedConv.MaxWaste"/> wide positions per output);</item>
    /// <item>else direct for a depthwise layer (<see cref="IsDepthwiseLayer"/>, more than one group, at most
    /// <see cref="DirectMaxFiltersPerGroup"/> filters per group): too few filters to fill a matrix product's registers;</item>
    /// <item>else im2col.</item>
    /// </list>
    /// At stride 1, shifted rows measured faster than direct with the batch split across two cores: 1.2 against 1.8 ms on a
    /// 3×3 depthwise layer, 3–4 against 9–10 ms on a 5×5.
    /// </summary>
    public ConvAlgorithm Recommended =>
        ShiftedConv.Fits(this) ? ConvAlgorithm.ShiftedRows
        : Groups > 1 && IsDepthwiseLayer && OutChannels / Groups <= DirectMaxFiltersPerGroup ? ConvAlgorithm.Direct
        : ConvAlgorithm.Im2Col;

    /// <summary>The most filters per input channel that <see cref="Recommended"/> runs as direct convolution (the crossover measured in docs/cnn.md).</summary>
    public const int DirectMaxFiltersPerGroup = 2;

    /// <summary>One input channel per group: what <see cref="ConvAlgorithm.Direct"/> needs.</summary>
    public bool IsDepthwiseLayer => Groups > 0 && InChannels == Groups;

    /// <summary>
    /// Floats of scratch the kernels need for <see cref="Algorithm"/>: im2col and direct, the receptive fields of one group,
    /// a row per tap, for <see cref="WeightGradientSamples"/> samples side by side, and those samples' dz rows gathered
    /// beside them (direct takes its zero-bordered plane from them); shifted rows, <see cref="ShiftedConv.ScratchLength"/>.
    /// </summary>
    public int ScratchLength => Algorithm == ConvAlgorithm.ShiftedRows ? ShiftedConv.ScratchLength(this)
        : checked(Positions * PatchLength * WeightGradientSamples + (WeightGradientSamples > 1 ? OutChannels / Groups * Positions * WeightGradientSamples : 0));

    /// <summary>
    /// Floats of workspace a network with these convolutions allocates once: the largest <see cref="ScratchLength"/>, plus
    /// the output channels a transposed convolution's backward pass sets aside. The generated code calls this.
    /// </summary>
    public static int WorkspaceLength(params Conv2DShape[] shapes)
    {
        int length = 0;
        foreach (var shape in shapes)
        {
            shape.Validate();
            length = Math.Max(length, checked(shape.ScratchLength + shape.OutChannels));
        }
        return length;
    }

    /// <summary>
    /// Samples whose patch rows the weight gradient puts side by side, so its dot products run over at least 256
    /// positions (a 10×10 map alone leaves most of each sum to the horizontal add and the scalar tail).
    /// </summary>
    public int WeightGradientSamples => IsPointwise ? 1 : Math.Clamp((256 + Positions - 1) / Positions, 1, 8);

    /// <summary>A 1×1 convolution with stride 1 and no padding reads its input as the patch rows themselves (no im2col).</summary>
    internal bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && StrideHeight == 1 && StrideWidth == 1 && PadHeight == 0 && PadWidth == 0;

    /// <summary>Throws an <see cref="ArgumentException"/> for an invalid shape, or an <see cref="Algorithm"/> that does not apply to it.</summary>
    public void Validate()
    {
        if (InChannels <= 0 || OutChannels <= 0 || KernelHeight <= 0 || KernelWidth <= 0 || StrideHeight <= 0 || StrideWidth <= 0 || PadHeight < 0 || PadWidth < 0)
            throw new ArgumentException($"invalid convolution shape {Geometry}");
        if (Groups <= 0 || InChannels % Groups != 0 || OutChannels % Groups != 0)
            throw new ArgumentException($"{Groups} groups do not divide {InChannels} input and {OutChannels} output channels");
        if (InHeight <= 0 || InWidth <= 0)
            throw new ArgumentException($"invalid convolution shape {Geometry}");
        // Compared in 64 bits: (N + 2P − F) / S + 1 truncates towards zero, so a kernel just larger than the input would give 1.
        if ((long)InHeight + 2L * PadHeight < KernelHeight || (long)InWidth + 2L * PadWidth < KernelWidth)
            throw new ArgumentException($"a {KernelHeight}×{KernelWidth} kernel does not fit a padded {(long)InHeight + 2L * PadHeight}×{(long)InWidth + 2L * PadWidth} input");
        try
        {
            _ = InputSize + OutputSize + WeightCount;
            _ = checked(ScratchLength + OutChannels);
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"the convolution {Geometry} has sizes (input, output, weights or workspace) beyond 32-bit lengths");
        }
        switch (Algorithm)
        {
            case ConvAlgorithm.Im2Col:
                break;
            case ConvAlgorithm.ShiftedRows when !ShiftedConv.Applies(this):
                throw new ArgumentException($"ConvAlgorithm.ShiftedRows needs stride 1 and a kernel that is not 1×1 without padding (pointwise), " +
                    $"but the convolution {Geometry} has stride {StrideHeight}×{StrideWidth}{(IsPointwise ? " and is pointwise" : "")}; use Im2Col or Recommended ({Recommended}).");
            case ConvAlgorithm.ShiftedRows:
                break;
            case ConvAlgorithm.Direct when !IsDepthwiseLayer:
                throw new ArgumentException($"ConvAlgorithm.Direct needs a depthwise convolution (one input channel per group), " +
                    $"but the convolution {Geometry} has {InChannels / Groups} input channels per group; use Im2Col or Recommended ({Recommended}).");
            case ConvAlgorithm.Direct:
                break;
            default:
                throw new ArgumentException($"unknown convolution algorithm {(int)Algorithm}");
        }
    }

    /// <summary>The geometry as the messages write it (without the computed properties, which may not exist for an invalid shape).</summary>
    private string Geometry =>
        $"{InChannels}×{InHeight}×{InWidth} → {OutChannels} filters of {KernelHeight}×{KernelWidth}, stride {StrideHeight}×{StrideWidth}, padding {PadHeight}×{PadWidth}, {Groups} groups";
}

/// <summary>
/// 2-D convolution on the CPU, by the shape's <see cref="Conv2DShape.Algorithm"/>: shifted rows (<see cref="ShiftedConv"/>),
/// direct (<see cref="DirectConv"/>) or im2col plus a matrix product shaped for convolutions (<see cref="ConvGemm"/>): each
/// tap of the kernel becomes a row of the sample's receptive fields, one value per output position, so a group's
/// output maps are its weights times those rows, written straight into NCHW with the SIMD lanes along the positions.
/// A 1×1 convolution with stride 1 skips im2col (its input already is those rows).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ConvKernels
{
    /// <summary>
    /// y = f(conv(x) + b) for a batch (NCHW rows of <see cref="Conv2DShape.InputSize"/> and <see cref="Conv2DShape.OutputSize"/>).
    /// A large batch is split across the cores (<see cref="BatchParallel"/>); each part gets its own im2col workspace.
    /// </summary>
    public static unsafe void Forward<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int batch, Conv2DShape shape, Span<float> scratch, TAct activation) where TAct : struct, IActivation
    {
        const string kernel = "ConvKernels.Forward";
        CheckShape(kernel, batch, shape);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * shape.InputSize);
        KernelChecks.Length(kernel, nameof(w), w.Length, shape.WeightCount);
        KernelChecks.Length(kernel, nameof(bias), bias.Length, shape.OutChannels);
        KernelChecks.Length(kernel, nameof(y), y.Length, (long)batch * shape.OutputSize);
        KernelChecks.AtLeast(kernel, nameof(scratch), scratch.Length, shape.ScratchLength);
        int parts = BatchParallel.PartsFor(batch, shape.OutputSize * (long)shape.PatchLength);
        if (parts == 1)
        {
            ForwardRange(x, w, bias, y, 0, batch, shape, scratch, activation);
            return;
        }
        fixed (float* px = x, pw = w, pb = bias, py = y, ps = scratch)
        {
            var job = ForwardJob<TAct>.Instance;
            job.Set(px, pw, pb, py, ps, batch, shape, activation);
            BatchParallel.Run(job, batch, parts);
        }
    }

    private static void ForwardRange<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int start, int end, Conv2DShape shape, Span<float> scratch, TAct activation) where TAct : struct, IActivation
    {
        if (shape.Algorithm == ConvAlgorithm.Direct)
        {
            DirectConv.Forward(x, w, bias, y, start, end, shape, scratch, activation);
            return;
        }
        if (shape.Algorithm == ConvAlgorithm.ShiftedRows)
        {
            ShiftedConv.Forward(x, w, bias, y, start, end, shape, scratch, activation);
            return;
        }
        int positions = shape.Positions, patch = shape.PatchLength, groupOut = shape.OutChannels / shape.Groups;
        for (int b = start; b < end; b++)
        {
            var sample = x.Slice(b * shape.InputSize, shape.InputSize);
            var output = y.Slice(b * shape.OutputSize, shape.OutputSize);
            for (int g = 0; g < shape.Groups; g++)
            {
                ref float rows = ref PatchRows(sample, scratch, shape, g);
                // y[o, :] = Σ_k w[o, k] · rows[k, :] for the group's output channels.
                ConvGemm.CombineRows(ref Unsafe.AsRef(in w[g * groupOut * patch]), patch, 1, ref rows,
                    ref output[g * groupOut * positions], groupOut, patch, positions, accumulate: false);
            }
            for (int o = 0; o < shape.OutChannels; o++)
                BiasActivation(output.Slice(o * positions, positions), bias[o], activation);
        }
    }

    /// <summary>
    /// Adds to dW and db the batch's weight and bias gradients from dz, the gradient at the pre-activation (NCHW), and
    /// the layer's input x (gradients are zeroed once per step, and a weight read by several ops sums them). Split across
    /// the cores, the caller's part adds its samples straight into dW and db, each other part sums its samples into its
    /// own zeroed dW and db, and those are added to the destination in part order at the end.
    /// </summary>
    public static unsafe void WeightGradient(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> dw, Span<float> db,
        int batch, Conv2DShape shape, Span<float> scratch)
    {
        const string kernel = "ConvKernels.WeightGradient";
        CheckShape(kernel, batch, shape);
        KernelChecks.Length(kernel, nameof(dz), dz.Length, (long)batch * shape.OutputSize);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * shape.InputSize);
        KernelChecks.Length(kernel, nameof(dw), dw.Length, shape.WeightCount);
        KernelChecks.Length(kernel, nameof(db), db.Length, shape.OutChannels);
        KernelChecks.AtLeast(kernel, nameof(scratch), scratch.Length, shape.ScratchLength);
        int parts = BatchParallel.PartsFor(batch, shape.OutputSize * (long)shape.PatchLength);
        if (parts == 1)
        {
            WeightGradientRange(dz, x, dw, db, 0, batch, shape, scratch);
            return;
        }
        fixed (float* pdz = dz, px = x, pdw = dw, pdb = db, ps = scratch)
        {
            var job = WeightGradientJob.Instance;
            job.Set(pdz, px, pdw, pdb, ps, batch, shape);
            BatchParallel.Run(job, batch, parts);
        }
    }

    /// <summary>Adds samples [start, end)'s dW and db to <paramref name="dw"/> and <paramref name="db"/>.</summary>
    private static void WeightGradientRange(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> dw, Span<float> db,
        int start, int end, Conv2DShape shape, Span<float> scratch)
    {
        if (shape.Algorithm == ConvAlgorithm.Direct)
        {
            DirectConv.WeightGradient(dz, x, dw, db, start, end, shape, scratch);
            return;
        }
        if (shape.Algorithm == ConvAlgorithm.ShiftedRows)
        {
            ShiftedConv.WeightGradient(dz, x, dw, db, start, end, shape, scratch);
            return;
        }
        int positions = shape.Positions, patch = shape.PatchLength, groupOut = shape.OutChannels / shape.Groups;
        int together = shape.WeightGradientSamples;
        if (together > 1)
        {
            WeightGradientSideBySide(dz, x, dw, db, start, end, shape, scratch);
            return;
        }
        for (int b = start; b < end; b++)
        {
            var sample = x.Slice(b * shape.InputSize, shape.InputSize);
            var gradient = dz.Slice(b * shape.OutputSize, shape.OutputSize);
            for (int g = 0; g < shape.Groups; g++)
            {
                ref float rows = ref PatchRows(sample, scratch, shape, g);
                // dW[o, k] += Σ_position dz[o, position] · rows[k, position].
                ConvGemm.DotRows(ref Unsafe.AsRef(in gradient[g * groupOut * positions]), ref rows, ref dw[g * groupOut * patch],
                    groupOut, patch, positions, accumulate: true);
            }
            for (int o = 0; o < shape.OutChannels; o++)
                db[o] += ConvGemm.Sum(ref Unsafe.AsRef(in gradient[o * positions]), positions);
        }
    }

    /// <summary>
    /// The weight gradient for small maps: the patch rows and dz rows of up to <see cref="Conv2DShape.WeightGradientSamples"/>
    /// samples side by side, so each dot product runs over all their positions at once.
    /// </summary>
    private static void WeightGradientSideBySide(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> dw, Span<float> db,
        int start, int end, Conv2DShape shape, Span<float> scratch)
    {
        int positions = shape.Positions, patch = shape.PatchLength, groupOut = shape.OutChannels / shape.Groups;
        int together = shape.WeightGradientSamples;
        var rows = scratch.Slice(0, patch * positions * together);
        var gathered = scratch.Slice(rows.Length, groupOut * positions * together);
        for (int b = start; b < end; b += together)
        {
            int count = Math.Min(together, end - b), width = count * positions;
            for (int g = 0; g < shape.Groups; g++)
            {
                for (int j = 0; j < count; j++)
                {
                    var gradient = dz.Slice((b + j) * shape.OutputSize, shape.OutputSize);
                    Im2Col(x.Slice((b + j) * shape.InputSize, shape.InputSize), rows.Slice(j * positions), shape, g, rowStride: width);
                    for (int o = 0; o < groupOut; o++)
                        gradient.Slice((g * groupOut + o) * positions, positions).CopyTo(gathered.Slice(o * width + j * positions));
                }
                // dW[o, k] += Σ over the samples' positions of dz[o, ·] · rows[k, ·].
                ConvGemm.DotRows(ref MemoryMarshal.GetReference(gathered), ref MemoryMarshal.GetReference(rows), ref dw[g * groupOut * patch],
                    groupOut, patch, width, accumulate: true);
            }
            for (int j = 0; j < count; j++)
            {
                var gradient = dz.Slice((b + j) * shape.OutputSize, shape.OutputSize);
                for (int o = 0; o < shape.OutChannels; o++)
                    db[o] += ConvGemm.Sum(ref Unsafe.AsRef(in gradient[o * positions]), positions);
            }
        }
    }

    /// <summary>
    /// dx = f′_prev(yPrev) ⊙ convᵀ(dz): the gradient at the previous layer's pre-activation (this is also a transposed
    /// convolution's forward pass). Samples are independent, so a large batch splits across the cores.
    /// </summary>
    public static unsafe void InputGradient<TAct>(ReadOnlySpan<float> dz, ReadOnlySpan<float> w, ReadOnlySpan<float> yPrev, Span<float> dx,
        int batch, Conv2DShape shape, Span<float> scratch, TAct previousActivation) where TAct : struct, IActivation
    {
        const string kernel = "ConvKernels.InputGradient";
        CheckShape(kernel, batch, shape);
        KernelChecks.Length(kernel, nameof(dz), dz.Length, (long)batch * shape.OutputSize);
        KernelChecks.Length(kernel, nameof(w), w.Length, shape.WeightCount);
        KernelChecks.Length(kernel, nameof(yPrev), yPrev.Length, (long)batch * shape.InputSize);
        KernelChecks.Length(kernel, nameof(dx), dx.Length, (long)batch * shape.InputSize);
        KernelChecks.AtLeast(kernel, nameof(scratch), scratch.Length, shape.ScratchLength);
        int parts = BatchParallel.PartsFor(batch, shape.OutputSize * (long)shape.PatchLength);
        if (parts == 1)
        {
            InputGradientRange(dz, w, yPrev, dx, 0, batch, shape, scratch, previousActivation);
            return;
        }
        fixed (float* pdz = dz, pw = w, py = yPrev, pdx = dx, ps = scratch)
        {
            var job = InputGradientJob<TAct>.Instance;
            job.Set(pdz, pw, py, pdx, ps, batch, shape, previousActivation);
            BatchParallel.Run(job, batch, parts);
        }
    }

    private static void InputGradientRange<TAct>(ReadOnlySpan<float> dz, ReadOnlySpan<float> w, ReadOnlySpan<float> yPrev, Span<float> dx,
        int start, int end, Conv2DShape shape, Span<float> scratch, TAct previousActivation) where TAct : struct, IActivation
    {
        int positions = shape.Positions, patch = shape.PatchLength, groupOut = shape.OutChannels / shape.Groups;
        int groupInput = shape.InputSize / shape.Groups;
        var range = dx.Slice(start * shape.InputSize, (end - start) * shape.InputSize);
        if (shape.Algorithm == ConvAlgorithm.Direct)
        {
            DirectConv.InputGradient(dz, w, dx, start, end, shape, scratch);
            GraphKernels.MultiplyByDerivative(range, yPrev.Slice(start * shape.InputSize, range.Length), previousActivation);
            return;
        }
        if (shape.Algorithm == ConvAlgorithm.ShiftedRows)
        {
            ShiftedConv.InputGradient(dz, w, dx, start, end, shape, scratch);
            GraphKernels.MultiplyByDerivative(range, yPrev.Slice(start * shape.InputSize, range.Length), previousActivation);
            return;
        }
        if (!shape.IsPointwise) range.Clear();
        for (int b = start; b < end; b++)
        {
            var gradient = dz.Slice(b * shape.OutputSize, shape.OutputSize);
            var sample = dx.Slice(b * shape.InputSize, shape.InputSize);
            for (int g = 0; g < shape.Groups; g++)
            {
                // rows[k, :] = Σ_o w[o, k] · dz[o, :] (wᵀ: element (k, o) at o·patch + k), then each row adds back to its pixels.
                ref float rows = ref shape.IsPointwise ? ref sample[g * groupInput] : ref scratch[0];
                ConvGemm.CombineRows(ref Unsafe.AsRef(in w[g * groupOut * patch]), 1, patch, ref Unsafe.AsRef(in gradient[g * groupOut * positions]),
                    ref rows, patch, groupOut, positions, accumulate: false);
                if (!shape.IsPointwise) Col2ImAdd(scratch, sample, shape, g);
            }
        }
        GraphKernels.MultiplyByDerivative(range, yPrev.Slice(start * shape.InputSize, range.Length), previousActivation);
    }

    // The jobs that carry a split call's arguments to the workers: spans cannot cross threads, so the caller pins its
    // arrays (the `fixed` above lasts until every part is done) and the parts rebuild spans over their samples.
    // One instance per thread and type, reused: a step allocates nothing.

    private sealed unsafe class ForwardJob<TAct> : IBatchJob where TAct : struct, IActivation
    {
        [ThreadStatic] private static ForwardJob<TAct>? _instance;
        public static ForwardJob<TAct> Instance => _instance ??= new ForwardJob<TAct>();
        private float* _x, _w, _bias, _y, _scratch;
        private int _batch;
        private Conv2DShape _shape;
        private TAct _activation;

        public void Set(float* x, float* w, float* bias, float* y, float* scratch, int batch, Conv2DShape shape, TAct activation)
        {
            _x = x; _w = w; _bias = bias; _y = y; _scratch = scratch;
            _batch = batch; _shape = shape; _activation = activation;
        }

        public void Run(int start, int end, int worker) =>
            ForwardRange(new ReadOnlySpan<float>(_x, _batch * _shape.InputSize), new ReadOnlySpan<float>(_w, _shape.WeightCount),
                new ReadOnlySpan<float>(_bias, _shape.OutChannels), new Span<float>(_y, _batch * _shape.OutputSize), start, end, _shape,
                worker == 0 ? new Span<float>(_scratch, _shape.ScratchLength) : WorkerScratch.For(worker, _shape.ScratchLength), _activation);
    }

    private sealed unsafe class WeightGradientJob : ICombiningBatchJob
    {
        [ThreadStatic] private static WeightGradientJob? _instance;
        public static WeightGradientJob Instance => _instance ??= new WeightGradientJob();
        private float* _dz, _x, _dw, _db, _scratch;
        private int _batch;
        private Conv2DShape _shape;

        public void Set(float* dz, float* x, float* dw, float* db, float* scratch, int batch, Conv2DShape shape)
        {
            _dz = dz; _x = x; _dw = dw; _db = db; _scratch = scratch;
            _batch = batch; _shape = shape;
        }

        public void Run(int start, int end, int worker)
        {
            var s = _shape;
            Span<float> dw, db, scratch;
            if (worker == 0)
            {
                dw = new Span<float>(_dw, s.WeightCount);
                db = new Span<float>(_db, s.OutChannels);
                scratch = new Span<float>(_scratch, s.ScratchLength);
            }
            else
            {
                // Its own workspace, then its own partial dW and db, added to the caller's in part order afterwards.
                var own = WorkerScratch.For(worker, s.ScratchLength + s.WeightCount + s.OutChannels).AsSpan();
                scratch = own.Slice(0, s.ScratchLength);
                dw = own.Slice(s.ScratchLength, s.WeightCount);
                db = own.Slice(s.ScratchLength + s.WeightCount, s.OutChannels);
                dw.Clear();
                db.Clear();
            }
            WeightGradientRange(new ReadOnlySpan<float>(_dz, _batch * s.OutputSize), new ReadOnlySpan<float>(_x, _batch * s.InputSize),
                dw, db, start, end, s, scratch);
        }

        /// <summary>Adds each worker's partial dW and db to the caller's, in part order.</summary>
        public void Combine(int parts)
        {
            var s = _shape;
            var dw = new Span<float>(_dw, s.WeightCount);
            var db = new Span<float>(_db, s.OutChannels);
            for (int part = 1; part < parts; part++)
            {
                var partial = WorkerScratch.For(part, s.ScratchLength + s.WeightCount + s.OutChannels);
                DenseKernels.Add(dw, partial.AsSpan(s.ScratchLength, s.WeightCount));
                DenseKernels.Add(db, partial.AsSpan(s.ScratchLength + s.WeightCount, s.OutChannels));
            }
        }
    }

    private sealed unsafe class InputGradientJob<TAct> : IBatchJob where TAct : struct, IActivation
    {
        [ThreadStatic] private static InputGradientJob<TAct>? _instance;
        public static InputGradientJob<TAct> Instance => _instance ??= new InputGradientJob<TAct>();
        private float* _dz, _w, _yPrev, _dx, _scratch;
        private int _batch;
        private Conv2DShape _shape;
        private TAct _activation;

        public void Set(float* dz, float* w, float* yPrev, float* dx, float* scratch, int batch, Conv2DShape shape, TAct activation)
        {
            _dz = dz; _w = w; _yPrev = yPrev; _dx = dx; _scratch = scratch;
            _batch = batch; _shape = shape; _activation = activation;
        }

        public void Run(int start, int end, int worker) =>
            InputGradientRange(new ReadOnlySpan<float>(_dz, _batch * _shape.OutputSize), new ReadOnlySpan<float>(_w, _shape.WeightCount),
                new ReadOnlySpan<float>(_yPrev, _batch * _shape.InputSize), new Span<float>(_dx, _batch * _shape.InputSize), start, end, _shape,
                worker == 0 ? new Span<float>(_scratch, _shape.ScratchLength) : WorkerScratch.For(worker, _shape.ScratchLength), _activation);
    }

    /// <summary>y = f(y + b) along one output map.</summary>
    private static void BiasActivation<TAct>(Span<float> map, float bias, TAct activation) where TAct : struct, IActivation
    {
        if (Vector256.IsHardwareAccelerated) BiasActivation<Vector256<float>, Vector256Width, TAct>(map, bias, activation);
        else if (Vector128.IsHardwareAccelerated) BiasActivation<Vector128<float>, Vector128Width, TAct>(map, bias, activation);
        else BiasActivation<float, ScalarWidth, TAct>(map, bias, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BiasActivation<TVector, TWidth, TAct>(Span<float> map, float bias, TAct activation)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TAct : struct, IActivation
    {
        ref float m0 = ref MemoryMarshal.GetReference(map);
        var b = TWidth.Broadcast(bias);
        int i = 0;
        for (; i + TWidth.Count <= map.Length; i += TWidth.Count)
            TWidth.Store(TWidth.Apply(activation, TWidth.Add(TWidth.Load(ref m0, i), b)), ref m0, i);
        for (; i < map.Length; i++) Unsafe.Add(ref m0, i) = activation.Apply(Unsafe.Add(ref m0, i) + bias);
    }

    /// <summary>The group's patch rows [taps, positions]: the input itself for a pointwise convolution, else im2col into scratch.</summary>
    private static ref float PatchRows(ReadOnlySpan<float> sample, Span<float> scratch, Conv2DShape s, int group)
    {
        if (s.IsPointwise) return ref Unsafe.AsRef(in sample[group * (s.InputSize / s.Groups)]);
        Im2Col(sample, scratch, s, group);
        return ref scratch[0];
    }

    /// <summary>
    /// A transposed convolution's forward pass, y = f(convᵀ(x) + b): <paramref name="shape"/> is the convolution it transposes
    /// (x has its output's shape, y its input's), the bias is per channel of y.
    /// </summary>
    public static void TransposedForward<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int batch, Conv2DShape shape, Span<float> scratch, TAct activation) where TAct : struct, IActivation
    {
        // Every span is checked before the first write (InputGradient repeats its own checks).
        const string kernel = "ConvKernels.TransposedForward";
        CheckShape(kernel, batch, shape);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * shape.OutputSize);
        KernelChecks.Length(kernel, nameof(w), w.Length, shape.WeightCount);
        KernelChecks.Length(kernel, nameof(bias), bias.Length, shape.InChannels);
        KernelChecks.Length(kernel, nameof(y), y.Length, (long)batch * shape.InputSize);
        KernelChecks.AtLeast(kernel, nameof(scratch), scratch.Length, shape.ScratchLength);
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
    /// convolution's input): adds to dW and db, and, when <paramref name="dx"/> is not empty, writes dx = f′_prev(yPrev) ⊙ conv(dz).
    /// </summary>
    public static void TransposedBackward<TAct>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> dw, Span<float> db,
        ReadOnlySpan<float> yPrev, Span<float> dx, int batch, Conv2DShape shape, Span<float> scratch, TAct previousActivation) where TAct : struct, IActivation
    {
        // Every span is checked before dW is first added to, so a bad dx cannot leave half-updated gradients.
        const string kernel = "ConvKernels.TransposedBackward";
        CheckShape(kernel, batch, shape);
        KernelChecks.Length(kernel, nameof(dz), dz.Length, (long)batch * shape.InputSize);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * shape.OutputSize);
        KernelChecks.Length(kernel, nameof(dw), dw.Length, shape.WeightCount);
        KernelChecks.Length(kernel, nameof(db), db.Length, shape.InChannels);
        KernelChecks.AtLeast(kernel, nameof(scratch), scratch.Length, (long)shape.ScratchLength + shape.OutChannels);
        if (!dx.IsEmpty)
        {
            // w, yPrev and dx are read only for dx.
            KernelChecks.Length(kernel, nameof(w), w.Length, shape.WeightCount);
            KernelChecks.Length(kernel, nameof(dx), dx.Length, (long)batch * shape.OutputSize);
            if (typeof(TAct) != typeof(LinearActivation)) KernelChecks.Length(kernel, nameof(yPrev), yPrev.Length, dx.Length);
        }
        // Its weight gradient is the convolution's with the roles swapped (the convolution's "bias gradient" Σ x is discarded).
        var discarded = scratch.Slice(shape.ScratchLength, shape.OutChannels);
        discarded.Clear(); // WeightGradient adds to it
        WeightGradient(x, dz, dw, discarded, batch, shape, scratch);
        ChannelSums(dz, db, batch, shape.InChannels, shape.InHeight * shape.InWidth);
        if (dx.IsEmpty) return;
        discarded.Clear();
        Forward(dz, w, discarded, dx, batch, shape, scratch, default(LinearActivation));
        GraphKernels.MultiplyByDerivative(dx, yPrev, previousActivation);
    }

    /// <summary>Adds to sums: sums[c] += Σ over the batch and the plane of channel c (a per-channel bias gradient).</summary>
    public static void ChannelSums(ReadOnlySpan<float> values, Span<float> sums, int batch, int channels, int plane)
    {
        const string kernel = "ConvKernels.ChannelSums";
        KernelChecks.NonNegative(kernel, nameof(batch), batch);
        KernelChecks.NonNegative(kernel, nameof(channels), channels);
        KernelChecks.NonNegative(kernel, nameof(plane), plane);
        KernelChecks.Length(kernel, nameof(values), values.Length, (long)batch * channels * plane);
        KernelChecks.Length(kernel, nameof(sums), sums.Length, channels);
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
            {
                float sum = 0f;
                foreach (float v in values.Slice((b * channels + c) * plane, plane)) sum += v;
                sums[c] += sum;
            }
    }

    /// <summary>
    /// One sample's receptive fields for group <paramref name="group"/> as rows, one per tap (c, kh, kw), one value per output
    /// position: rows[tap, oh·OutWidth + ow] = x[c, oh·S − P + kh, ow·S − P + kw], zero in the padding.
    /// </summary>
    private static void Im2Col(ReadOnlySpan<float> sample, Span<float> rows, Conv2DShape s, int group, int rowStride = 0)
    {
        int groupIn = s.InChannels / s.Groups, ow = s.OutWidth, positions = s.Positions, plane = s.InHeight * s.InWidth;
        int stride = rowStride == 0 ? positions : rowStride; // several samples' rows may sit side by side
        int tap = 0;
        for (int c = 0; c < groupIn; c++)
        {
            var channel = sample.Slice((group * groupIn + c) * plane, plane);
            for (int ky = 0; ky < s.KernelHeight; ky++)
                for (int kx = 0; kx < s.KernelWidth; kx++, tap++)
                {
                    var row = rows.Slice(tap * stride, positions);
                    var (first, last) = InsideColumns(kx, s);
                    ref float source0 = ref MemoryMarshal.GetReference(channel);
                    for (int oy = 0; oy < s.OutHeight; oy++)
                    {
                        // Lines are short (a row of the output): inline copies and fills, not a call per line.
                        ref float line = ref row[oy * ow];
                        int iy = oy * s.StrideHeight - s.PadHeight + ky;
                        if ((uint)iy >= (uint)s.InHeight || first >= last) { Fill(ref line, 0, ow); continue; }
                        Fill(ref line, 0, first);
                        Fill(ref line, last, ow);
                        int ix = first * s.StrideWidth - s.PadWidth + kx;
                        Debug.Assert(ix >= 0 && iy * s.InWidth + ix + (last - first - 1) * s.StrideWidth < channel.Length, "the tap's line inside its input plane");
                        ref float source = ref Unsafe.Add(ref source0, iy * s.InWidth + ix);
                        if (s.StrideWidth == 1) Copy(ref source, ref Unsafe.Add(ref line, first), last - first);
                        else
                            for (int o = first, at = 0; o < last; o++, at += s.StrideWidth) Unsafe.Add(ref line, o) = Unsafe.Add(ref source, at);
                    }
                }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo(ref float source, ref float target, int count)
    {
        if (Vector256.IsHardwareAccelerated) AddTo<Vector256<float>, Vector256Width>(ref source, ref target, count);
        else if (Vector128.IsHardwareAccelerated) AddTo<Vector128<float>, Vector128Width>(ref source, ref target, count);
        else AddTo<float, ScalarWidth>(ref source, ref target, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void AddTo<TVector, TWidth>(ref float source, ref float target, int count) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        int i = 0;
        for (; i + TWidth.Count <= count; i += TWidth.Count)
            TWidth.Store(TWidth.Add(TWidth.Load(ref target, i), TWidth.Load(ref source, i)), ref target, i);
        for (; i < count; i++) Unsafe.Add(ref target, i) += Unsafe.Add(ref source, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fill(ref float line, int from, int to)
    {
        for (int i = from; i < to; i++) Unsafe.Add(ref line, i) = 0f;
    }

    /// <summary>target[0, count) = source[0, count): a short line (a row of a map), as inline vector copies.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Copy(ref float source, ref float target, int count)
    {
        if (Vector256.IsHardwareAccelerated) Copy<Vector256<float>, Vector256Width>(ref source, ref target, count);
        else if (Vector128.IsHardwareAccelerated) Copy<Vector128<float>, Vector128Width>(ref source, ref target, count);
        else Copy<float, ScalarWidth>(ref source, ref target, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Copy<TVector, TWidth>(ref float source, ref float target, int count) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        int v = TWidth.Count;
        if (count < v)
        {
            for (int j = 0; j < count; j++) Unsafe.Add(ref target, j) = Unsafe.Add(ref source, j);
            return;
        }
        // Whole vectors, the last one overlapping the one before it: a line of 10 is two loads and two stores.
        int i = 0;
        for (; i + v < count; i += v) TWidth.Store(TWidth.Load(ref source, i), ref target, i);
        TWidth.Store(TWidth.Load(ref source, count - v), ref target, count - v);
    }

    /// <summary>The inverse of <see cref="Im2Col"/>: each row value is added back to its input pixel (padding dropped).</summary>
    private static void Col2ImAdd(ReadOnlySpan<float> rows, Span<float> sample, Conv2DShape s, int group)
    {
        int groupIn = s.InChannels / s.Groups, ow = s.OutWidth, positions = s.Positions, plane = s.InHeight * s.InWidth;
        int tap = 0;
        for (int c = 0; c < groupIn; c++)
        {
            var channel = sample.Slice((group * groupIn + c) * plane, plane);
            for (int ky = 0; ky < s.KernelHeight; ky++)
                for (int kx = 0; kx < s.KernelWidth; kx++, tap++)
                {
                    var row = rows.Slice(tap * positions, positions);
                    var (first, last) = InsideColumns(kx, s);
                    if (first >= last) continue;
                    for (int oy = 0; oy < s.OutHeight; oy++)
                    {
                        int iy = oy * s.StrideHeight - s.PadHeight + ky;
                        if ((uint)iy >= (uint)s.InHeight) continue;
                        ref float line = ref Unsafe.AsRef(in row[oy * ow]);
                        int ix = first * s.StrideWidth - s.PadWidth + kx;
                        Debug.Assert(ix >= 0 && iy * s.InWidth + ix + (last - first - 1) * s.StrideWidth < channel.Length, "the tap's line inside its input plane");
                        ref float target = ref channel[iy * s.InWidth + ix];
                        if (s.StrideWidth == 1) AddTo(ref Unsafe.Add(ref line, first), ref target, last - first);
                        else
                            for (int o = first, at = 0; o < last; o++, at += s.StrideWidth) Unsafe.Add(ref target, at) += Unsafe.Add(ref line, o);
                    }
                }
        }
    }

    /// <summary>The output columns [first, last) whose tap <paramref name="kx"/> lands inside the input (not in the padding).</summary>
    internal static (int First, int Last) InsideColumns(int kx, Conv2DShape s)
    {
        // ix = ow·S − P + kx ∈ [0, InWidth) ⇔ ow ∈ [⌈(P − kx)/S⌉, ⌊(InWidth − 1 + P − kx)/S⌋].
        int low = s.PadWidth - kx, high = s.InWidth - 1 + s.PadWidth - kx;
        int first = low <= 0 ? 0 : (low + s.StrideWidth - 1) / s.StrideWidth;
        int last = high < 0 ? 0 : Math.Min(s.OutWidth, high / s.StrideWidth + 1);
        return (first, Math.Max(first, last));
    }

    /// <summary>A valid shape (<see cref="Conv2DShape.Validate"/>) and a batch of 0 or more.</summary>
    private static void CheckShape(string kernel, int batch, Conv2DShape shape)
    {
        shape.Validate();
        KernelChecks.NonNegative(kernel, nameof(batch), batch);
    }
}
