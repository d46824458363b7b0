using System;

namespace Compiled.Nets;

/// <summary>How a convolution pads its input, when <c>PaddingSize</c> does not give P explicitly.</summary>
public enum Padding
{
    /// <summary>No padding: the output shrinks by F − 1 (P = 0).</summary>
    Valid = 0,
    /// <summary>P = (F − 1) / 2: with stride 1 and an odd kernel the output has the input's size.</summary>
    Same,
    /// <summary>P = F − 1: every input value meets every kernel tap; the output grows by F − 1.</summary>
    Full,
}

/// <summary>
/// What every convolution attribute has: the filters, the kernel, the stride, the activation with its parameter, the
/// weight initialisation, the starting bias and the per-layer penalties.
/// </summary>
public abstract class ConvolutionAttribute : LayerAttribute
{
    /// <summary>Sets the filters, the kernel size and the activation that every convolution takes in its constructor.</summary>
    protected ConvolutionAttribute(int filters, int kernelSize, Activation activation)
    {
        Filters = filters;
        KernelSize = kernelSize;
        Activation = activation;
    }

    /// <summary>Number of output channels (feature maps).</summary>
    public int Filters { get; }
    /// <summary>The kernel's height and width (its length for Conv1D).</summary>
    public int KernelSize { get; }
    /// <summary>The activation applied to every output value.</summary>
    public Activation Activation { get; }
    /// <summary>Step between windows, in every dimension (default 1); a transposed convolution's upsampling factor.</summary>
    public int Stride { get; set; } = 1;
    /// <summary>The activation's parameter (logistic slope k, leaky ReLU α), as on <see cref="DenseAttribute.Slope"/>.</summary>
    public float Slope { get; set; } = float.NaN;
    /// <summary>Weight initialisation of this layer; fan in = channels / groups · k², fan out = filters · k² (PyTorch's).</summary>
    public Initialization Initialization { get; set; } = Initialization.Default;
    /// <summary>The constant every bias starts at (default 0).</summary>
    public float BiasInitialValue { get; set; }
    /// <summary>This layer's L1 penalty; NaN (the default) uses the network's.</summary>
    public float L1 { get; set; } = float.NaN;
    /// <summary>This layer's L2 penalty; NaN (the default) uses the network's.</summary>
    public float L2 { get; set; } = float.NaN;
}

/// <summary>
/// A 2-D convolution over [channels, height, width] feature maps (PyTorch's Conv2d): <c>filters</c> kernels of
/// <c>kernelSize</c>² taps over every input channel of its group, plus a bias per filter, then the activation.
/// Weight [filters, channels / Groups, k, k], bias [filters]. A 1×1 kernel mixes channels per position; Groups equal
/// to the channels makes it depthwise.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class Conv2DAttribute : ConvolutionAttribute
{
    /// <summary>A 2-D convolution of <paramref name="filters"/> kernels of <paramref name="kernelSize"/>×<paramref name="kernelSize"/>, then <paramref name="activation"/>.</summary>
    public Conv2DAttribute(int filters, int kernelSize, Activation activation = Activation.Linear) : base(filters, kernelSize, activation) { }

    /// <summary>The padding rule; ignored when <see cref="PaddingSize"/> is set.</summary>
    public Padding Padding { get; set; } = Padding.Valid;
    /// <summary>An explicit zero padding P on every side; −1 (the default) uses <see cref="Padding"/>.</summary>
    public int PaddingSize { get; set; } = -1;
    /// <summary>Splits channels into independent convolutions (PyTorch's groups); the channels count makes it depthwise.</summary>
    public int Groups { get; set; } = 1;
}

/// <summary>A 1-D convolution over [channels, length] sequences (PyTorch's Conv1d); weight [filters, channels / Groups, k].</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class Conv1DAttribute : ConvolutionAttribute
{
    /// <summary>A 1-D convolution of <paramref name="filters"/> kernels of length <paramref name="kernelSize"/>, then <paramref name="activation"/>.</summary>
    public Conv1DAttribute(int filters, int kernelSize, Activation activation = Activation.Linear) : base(filters, kernelSize, activation) { }

    /// <summary>The padding rule; ignored when <see cref="PaddingSize"/> is set.</summary>
    public Padding Padding { get; set; } = Padding.Valid;
    /// <summary>An explicit zero padding P at both ends; −1 (the default) uses <see cref="Padding"/>.</summary>
    public int PaddingSize { get; set; } = -1;
    /// <summary>Splits channels into independent convolutions (PyTorch's groups).</summary>
    public int Groups { get; set; } = 1;
}

/// <summary>
/// A transposed 2-D convolution (PyTorch's ConvTranspose2d), the gradient of a convolution run forwards: it
/// upsamples [C, H, W] to [filters, (H − 1)·S − 2P + k + OutputPadding, …]. Weight [channels, filters, k, k], bias [filters].
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class ConvTranspose2DAttribute : ConvolutionAttribute
{
    /// <summary>A transposed convolution to <paramref name="filters"/> maps with <paramref name="kernelSize"/>×<paramref name="kernelSize"/> kernels, then <paramref name="activation"/>.</summary>
    public ConvTranspose2DAttribute(int filters, int kernelSize, Activation activation = Activation.Linear) : base(filters, kernelSize, activation) { }

    /// <summary>The matching convolution's padding P, removed from the output's border (default 0).</summary>
    public int PaddingSize { get; set; }
    /// <summary>Extra rows and columns at the bottom and right (less than the stride), to reach an exact size.</summary>
    public int OutputPadding { get; set; }
}

/// <summary>
/// A depthwise-separable 2-D convolution (Keras's SeparableConv2D): a depthwise k×k convolution per channel
/// (<c>.depthwise</c>, weight [C, 1, k, k] and bias [C]), then a 1×1 convolution to <c>filters</c> maps
/// (<c>.pointwise</c>, weight [filters, C, 1, 1] and bias [filters]), then the activation. Far fewer multiply-adds
/// than a full k×k convolution.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class SeparableConv2DAttribute : ConvolutionAttribute
{
    /// <summary>A separable convolution to <paramref name="filters"/> maps with a <paramref name="kernelSize"/>×<paramref name="kernelSize"/> depthwise kernel, then <paramref name="activation"/>.</summary>
    public SeparableConv2DAttribute(int filters, int kernelSize, Activation activation = Activation.Linear) : base(filters, kernelSize, activation) { }

    /// <summary>The padding rule of the depthwise convolution; ignored when <see cref="PaddingSize"/> is set.</summary>
    public Padding Padding { get; set; } = Padding.Valid;
    /// <summary>An explicit zero padding P; −1 (the default) uses <see cref="Padding"/>.</summary>
    public int PaddingSize { get; set; } = -1;
}

/// <summary>
/// Max pooling over windows of <c>size</c> (squares on [C, H, W], segments on [C, L]): each output is its window's
/// maximum, and the backward pass sends its gradient to the position that won (kept as a switch, which
/// <see cref="MaxUnpoolAttribute"/> reuses).
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class MaxPoolAttribute : LayerAttribute
{
    /// <summary>Max pooling over windows of <paramref name="size"/> (non-overlapping unless <see cref="Stride"/> is set).</summary>
    public MaxPoolAttribute(int size) => Size = size;
    /// <summary>The window's height and width (its length on 1-D input).</summary>
    public int Size { get; }
    /// <summary>Step between windows; 0 (the default) means the window size, so windows do not overlap.</summary>
    public int Stride { get; set; }
    /// <summary>Padding on every side (padding never wins, as in PyTorch); at most half the window.</summary>
    public int PaddingSize { get; set; }
}

/// <summary>Average pooling: each output is its window's mean; the backward pass spreads the gradient evenly over the window.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class AvgPoolAttribute : LayerAttribute
{
    /// <summary>Average pooling over windows of <paramref name="size"/> (non-overlapping unless <see cref="Stride"/> is set).</summary>
    public AvgPoolAttribute(int size) => Size = size;
    /// <summary>The window's height and width (its length on 1-D input).</summary>
    public int Size { get; }
    /// <summary>Step between windows; 0 (the default) means the window size.</summary>
    public int Stride { get; set; }
    /// <summary>Zero padding on every side, counted in the divisor (PyTorch's count_include_pad); at most half the window.</summary>
    public int PaddingSize { get; set; }
}

/// <summary>Global average pooling: one mean per channel, [C, H, W] (or [C, L]) → [C].</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class GlobalAveragePoolAttribute : LayerAttribute
{
}

/// <summary>
/// Flattens feature maps into a vector ([C, H, W] → [C·H·W], the values stay in place). A Dense layer after
/// feature maps flattens implicitly; declare this to name the step or show it in the Summary.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class FlattenAttribute : LayerAttribute
{
}

/// <summary>
/// Max-unpooling (PyTorch's MaxUnpool2d and MaxUnpool1d, SegNet's decoder): each value goes back to the position that
/// won in the named max pooling layer (its switches), zeros elsewhere, restoring that layer's input shape. The window is
/// the pooling's; <see cref="Size"/>, <see cref="Stride"/> and <see cref="PaddingSize"/> may restate it, as
/// <c>MaxUnpool2d(kernel_size, stride, padding)</c> does, and are then checked against it (CN0077).
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class MaxUnpoolAttribute : LayerAttribute
{
    /// <summary>Max-unpooling with the switches of the max pooling layer <paramref name="pooling"/> (use <c>nameof</c>).</summary>
    public MaxUnpoolAttribute(string pooling) => Pooling = pooling;
    /// <summary>The <see cref="MaxPoolAttribute"/> layer whose switches place the values (use <c>nameof</c>).</summary>
    public string Pooling { get; }
    /// <summary>The window's side, if given: must be the pooling's. 0 (the default) takes the pooling's.</summary>
    public int Size { get; set; }
    /// <summary>The step between windows, if given: must be the pooling's. 0 (the default) takes the pooling's.</summary>
    public int Stride { get; set; }
    /// <summary>The padding, if given: must be the pooling's. −1 (the default) takes the pooling's.</summary>
    public int PaddingSize { get; set; } = -1;
}

/// <summary>
/// Element-wise sum of two or more layers of the same shape (a residual connection), then the activation:
/// <c>[Add(nameof(Block), nameof(Shortcut), Activation = Activation.ReLU)]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class AddAttribute : LayerAttribute
{
    /// <summary>The sum of the layers <paramref name="inputs"/> (use <c>nameof</c>), two or more.</summary>
    public AddAttribute(params string[] inputs) => Inputs = inputs;
    /// <summary>The layers summed (use <c>nameof</c>).</summary>
    public string[] Inputs { get; }
    /// <summary>The activation applied to the sum.</summary>
    public Activation Activation { get; set; } = Activation.Linear;
    /// <summary>The activation's parameter (logistic slope k, leaky ReLU α).</summary>
    public float Slope { get; set; } = float.NaN;
}

/// <summary>Concatenation along the channels of layers whose other dimensions agree ([C₁, H, W] + [C₂, H, W] → [C₁ + C₂, H, W]).</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class ConcatAttribute : LayerAttribute
{
    /// <summary>The channel concatenation of the layers <paramref name="inputs"/> (use <c>nameof</c>), two or more.</summary>
    public ConcatAttribute(params string[] inputs) => Inputs = inputs;
    /// <summary>The layers joined, in order (use <c>nameof</c>).</summary>
    public string[] Inputs { get; }
}

/// <summary>
/// A maxout layer (Goodfellow et al.): <c>units · pieces</c> affine units, each output the maximum of its
/// <c>pieces</c>; stored as a Linear layer's weight [units · pieces, in] and bias, unit j using rows j·pieces … j·pieces + pieces − 1.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class MaxoutAttribute : LayerAttribute
{
    /// <summary>A maxout layer of <paramref name="units"/> outputs, each the maximum of <paramref name="pieces"/> affine units.</summary>
    public MaxoutAttribute(int units, int pieces)
    {
        Units = units;
        Pieces = pieces;
    }

    /// <summary>Number of outputs.</summary>
    public int Units { get; }
    /// <summary>Affine pieces per output (at least 2).</summary>
    public int Pieces { get; }
    /// <summary>Weight initialisation of this layer.</summary>
    public Initialization Initialization { get; set; } = Initialization.Default;
    /// <summary>This layer's L1 penalty; NaN (the default) uses the network's.</summary>
    public float L1 { get; set; } = float.NaN;
    /// <summary>This layer's L2 penalty; NaN (the default) uses the network's.</summary>
    public float L2 { get; set; } = float.NaN;
}
