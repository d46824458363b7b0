using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators.Layers;

/// <summary>A convolution's or pooling's window as declared, and what kind of layer slides it.</summary>
internal sealed record WindowRequest
{
    public required string Kind { get; init; }
    public required bool Pooling { get; init; }
    /// <summary>Conv1D always; pooling when it reads [channels, length].</summary>
    public required bool OneDimensional { get; init; }
    public required bool Transposed { get; init; }
    public required bool Separable { get; init; }
    public required int Filters { get; init; }
    public required int Kernel { get; init; }
    /// <summary>0: the pooling default, the window size.</summary>
    public required int Stride { get; init; }
    public required PaddingKind Padding { get; init; }
    /// <summary>−1: use <see cref="Padding"/>.</summary>
    public required int PaddingSize { get; init; }
    public required int Groups { get; init; }
    public required int OutputPadding { get; init; }
}

/// <summary>
/// The window arithmetic that convolutions and pooling share: Out = ⌊(N − F + 2P) / S⌋ + 1, its checks (kernel larger
/// than the padded input, a stride that does not fit, groups) and the transposed convolution's inverse.
/// </summary>
internal static class WindowInference
{
    /// <summary>The output shape and window, or null with a diagnostic.</summary>
    public static (List<int> Shape, Window2D Window)? Infer(ShapeContext context, LayerSpec layer, ShapedLayer first, WindowRequest request)
    {
        var shape = first.OutputShape.ToList();
        bool oneD = request.OneDimensional;
        int rank = oneD ? 2 : 3;
        if (shape.Count != rank)
        {
            string expected = request.Kind switch
            {
                "Conv1D" => "Conv1D reads sequences [channels, length]; declare the input as [Input(channels, length)]",
                _ when request.Pooling => "pooling reads feature maps [channels, height, width] or [channels, length]",
                _ => $"{request.Kind} reads feature maps [channels, height, width]; declare the input as [Input(channels, height, width)]",
            };
            context.Report(DiagnosticDescriptors.InputShapeMismatch, layer.Location, layer.Name, first.Name, ShapeContext.Shape(first.OutputShape), expected);
            return null;
        }
        int c = shape[0], h = oneD ? 1 : shape[1], w = shape[rank - 1];
        bool pooling = request.Pooling;
        int k = request.Kernel;
        int stride = pooling && request.Stride == 0 ? k : request.Stride;
        if (request.Filters <= 0 && !pooling)
        {
            context.Report(DiagnosticDescriptors.EmptyOutput, layer.Location, layer.Name, $"[{request.Filters}, …]", "a convolution needs at least one filter");
            return null;
        }
        if (k <= 0 || stride <= 0)
        {
            context.Report(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Name, k <= 0 ? (pooling ? "size" : "kernel size") : "Stride", k <= 0 ? k : stride);
            return null;
        }
        int pad = request.PaddingSize >= 0 ? request.PaddingSize : request.Padding switch { PaddingKind.Same => (k - 1) / 2, PaddingKind.Full => k - 1, _ => 0 };
        if (request.PaddingSize < -1 || request.Transposed && request.PaddingSize < 0)
        {
            context.Report(DiagnosticDescriptors.InvalidPadding, layer.Location, layer.Name, "PaddingSize", request.PaddingSize, "padding is a number of zeros on each side (0 or more)");
            return null;
        }
        if (pooling && pad * 2 > k)
        {
            context.Report(DiagnosticDescriptors.InvalidPadding, layer.Location, layer.Name, "PaddingSize", pad,
                $"pooling padding can be at most half the window ({k / 2}), as in PyTorch");
            return null;
        }
        int kh = oneD ? 1 : k;
        if (request.Transposed)
        {
            if (request.OutputPadding < 0 || request.OutputPadding >= stride)
            {
                context.Report(DiagnosticDescriptors.InvalidPadding, layer.Location, layer.Name, "OutputPadding", request.OutputPadding,
                    $"the output padding adds rows and columns the stride skipped, so it must be in [0, {stride})");
                return null;
            }
            long outHeight = (h - 1L) * stride - 2L * pad + k + request.OutputPadding, outWidth = (w - 1L) * stride - 2L * pad + k + request.OutputPadding;
            int outH = (int)System.Math.Max(System.Math.Min(outHeight, int.MaxValue), int.MinValue), outW = (int)System.Math.Max(System.Math.Min(outWidth, int.MaxValue), int.MinValue);
            if (outH <= 0 || outW <= 0)
            {
                context.Report(DiagnosticDescriptors.EmptyOutput, layer.Location, layer.Name, ShapeContext.Shape(new[] { request.Filters, outH, outW }),
                    $"(N − 1)·S − 2P + F + OutputPadding = ({h} − 1)·{stride} − 2·{pad} + {k} + {request.OutputPadding} = {outH}; use less padding");
                return null;
            }
            context.Size(layer, "the weights of {layer}", request.Filters, c, k, k);
            context.Size(layer, "the output of {layer}", request.Filters, outH, outW);
            if (context.TooLarge) return null;
            // The convolution this layer transposes: from the output [filters, outH, outW] back to the input [c, h, w].
            return (new List<int> { request.Filters, outH, outW }, new Window2D(request.Filters, outH, outW, c, k, k, stride, stride, pad, pad, 1));
        }

        string kernelText = oneD ? $"{k}" : $"{k}×{k}";
        if (k > w + 2L * pad || kh > h + 2L * pad * (oneD ? 0 : 1))
        {
            string padded = oneD ? $"{w + 2L * pad}" : $"{h + 2L * pad}×{w + 2L * pad}";
            context.Report(DiagnosticDescriptors.KernelLargerThanInput, layer.Location, layer.Name, kernelText, padded, ShapeContext.Shape(shape), pad);
            return null;
        }
        int groups = request.Separable || pooling ? c : request.Groups;
        int outChannels = pooling || request.Separable ? c : request.Filters;
        if (!pooling && !request.Separable && (groups <= 0 || c % groups != 0 || outChannels % groups != 0))
        {
            context.Report(DiagnosticDescriptors.InvalidGroups, layer.Location, layer.Name, "Groups", groups,
                $"the groups must divide both the {c} input channels and the {outChannels} filters");
            return null;
        }
        foreach (int n in oneD ? new[] { w } : h == w ? new[] { h } : new[] { h, w })
        {
            int remainder = (int)((n - (long)k + 2L * pad) % stride);
            if (remainder == 0) continue;
            var fits = new List<string> { $"input {n - remainder} or {(long)n + stride - remainder}" };
            for (int p = 0; p <= k && p <= 64; p++)
                if (p != pad && (n - (long)k + 2L * p) % stride == 0 && (!pooling || 2 * p <= k)) { fits.Add($"padding {p}"); break; }
            context.Report(DiagnosticDescriptors.StrideDoesNotFit, layer.Location, layer.Name, n, k, pad, stride,
                remainder == 1 ? (oneD ? "value" : "row or column") : $"{remainder} {(oneD ? "values" : "rows or columns")}", string.Join(", or ", fits));
        }
        var window = new Window2D(c, h, w, outChannels, kh, k, oneD ? 1 : stride, stride, oneD ? 0 : pad, pad, groups);
        // The window's own counts in 64 bits (Window2D computes them as ints).
        context.Size(layer, "the weights of {layer}", outChannels, c / groups, kh, k);
        context.Size(layer, "the output of {layer}", outChannels, (h + 2L * pad * (oneD ? 0 : 1) - kh) / (oneD ? 1 : stride) + 1, (w + 2L * pad - k) / stride + 1);
        if (context.TooLarge) return null;
        int channels = request.Separable ? request.Filters : outChannels;
        return (oneD ? new List<int> { channels, window.OutWidth } : new List<int> { channels, window.OutHeight, window.OutWidth }, window);
    }
}

/// <summary>A convolution's or pooling's geometry (for a transposed convolution, that of the convolution it transposes; for a separable one, its depthwise part).</summary>
internal sealed record WindowDetail(Window2D Window) : LayerDetail;
