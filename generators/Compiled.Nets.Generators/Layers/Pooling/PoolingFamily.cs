using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators.Layers.Pooling;

internal enum PoolKind { Max, Average, GlobalAverage }

/// <summary>[MaxPool(size)], [AvgPool(size)] (stride 0: the size), [GlobalAveragePool], [MaxUnpool(nameof(pooling))].</summary>
internal sealed record PoolOptions : LayerOptions
{
    public override LayerFamily Family => PoolingFamily.Instance;
    public override string Kind => Unpool ? "MaxUnpool" : Pool switch { PoolKind.Max => "MaxPool", PoolKind.Average => "AvgPool", _ => "GlobalAveragePool" };
    public required PoolKind Pool { get; init; }
    /// <summary>MaxUnpool: places values with the switches of the MaxPool layer <see cref="Reference"/>.</summary>
    public required bool Unpool { get; init; }
    public required int Size { get; init; }
    public required int Stride { get; init; }
    public required int PaddingSize { get; init; }
    public required string Reference { get; init; }
}

/// <summary>MaxUnpool's window (its pooling's) and the index of the pooling whose switches it reads.</summary>
internal sealed record UnpoolDetail(Window2D Window, int SwitchSource) : LayerDetail;

/// <summary>
/// Pooling per channel over [C, H, W] or [C, L] maps; max pooling keeps each window's winner (its switches, ints in a
/// float buffer) for its backward pass and for a MaxUnpool that reuses them.
/// </summary>
internal sealed partial class PoolingFamily : LayerFamily
{
    public static readonly PoolingFamily Instance = new();

    public override string Name => "Pooling";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "MaxPoolAttribute", "AvgPoolAttribute", "GlobalAveragePoolAttribute", "MaxUnpoolAttribute" };

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        var options = new PoolOptions { Pool = PoolKind.Max, Unpool = false, Size = 0, Stride = 0, PaddingSize = 0, Reference = "" };
        switch (attribute.AttributeName)
        {
            case "MaxPoolAttribute" or "AvgPoolAttribute":
                if (!attribute.Has(0)) return null;
                options = options with { Pool = attribute.AttributeName == "MaxPoolAttribute" ? PoolKind.Max : PoolKind.Average, Size = attribute.Int(0) };
                break;
            case "GlobalAveragePoolAttribute":
                options = options with { Pool = PoolKind.GlobalAverage };
                break;
            default:
                if (!attribute.Has(0) || attribute.Arguments[0].Value is not string pooling) return null;
                // Size, Stride and PaddingSize only restate the pooling's window (0, 0, −1: not given).
                options = options with { Unpool = true, Reference = pooling, PaddingSize = -1 };
                break;
        }
        foreach (var named in attribute.Named)
        {
            options = named.Key switch
            {
                "Size" when options.Unpool => options with { Size = LayerAttribute.Int(named.Value) },
                "Stride" => options with { Stride = LayerAttribute.Int(named.Value) },
                "PaddingSize" => options with { PaddingSize = LayerAttribute.Int(named.Value) },
                _ => options,
            };
        }
        return options;
    }

    public override IEnumerable<string> References(LayerOptions options) =>
        ((PoolOptions)options).Unpool ? new[] { ((PoolOptions)options).Reference } : Enumerable.Empty<string>();

    public override bool CheckReferences(NetworkSpec spec, LayerSpec layer, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        var options = (PoolOptions)layer.Options;
        if (!options.Unpool) return true;
        var pool = spec.Layers.FirstOrDefault(l => l.Name == options.Reference);
        if (pool is null || pool.Options is PoolOptions { Pool: PoolKind.Max, Unpool: false }) return true;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputReference, layer.Location, layer.Name, options.Reference,
            $"a {pool.Options.Kind} layer, but MaxUnpool places values with the switches of a MaxPool layer"));
        return false;
    }

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var options = (PoolOptions)layer.Options;
        var first = inputs[0];
        var shape = first.OutputShape.ToList();
        ShapedLayer Create(IEnumerable<int> output, LayerDetail detail) =>
            context.Create(layer, inputs, output, options, ActivationPlan.Linear, deltaAtPreActivation: false) with { Detail = detail };
        if (options.Unpool)
        {
            var pool = context.LayerNamed(options.Reference)!;
            if (first.OutputShape != pool.OutputShape)
            {
                context.Report(DiagnosticDescriptors.InputShapeMismatch, layer.Location, layer.Name, first.Name, ShapeContext.Shape(first.OutputShape),
                    $"MaxUnpool places values with the switches of '{pool.Name}', so it needs that layer's output shape {ShapeContext.Shape(pool.OutputShape)}");
                return null;
            }
            var window = ((WindowDetail)pool.Detail!).Window;
            if (!CheckUnpoolWindow(context, layer, options, pool, window)) return null;
            var source = context.Layers[pool.Inputs[0]].OutputShape;
            return Create(source, new UnpoolDetail(window, context.PositionOf(options.Reference)));
        }
        if (options.Pool == PoolKind.GlobalAverage)
        {
            if (shape.Count < 2)
            {
                context.Report(DiagnosticDescriptors.InputShapeMismatch, layer.Location, layer.Name, first.Name, ShapeContext.Shape(first.OutputShape),
                    "global pooling averages each channel of feature maps [channels, height, width] or [channels, length]");
                return null;
            }
            var global = new Window2D(shape[0], shape.Count == 3 ? shape[1] : 1, shape[shape.Count - 1], shape[0],
                shape.Count == 3 ? shape[1] : 1, shape[shape.Count - 1], 1, 1, 0, 0, 1);
            return Create(new[] { shape[0] }, new WindowDetail(global));
        }
        var result = WindowInference.Infer(context, layer, first, new WindowRequest
        {
            Kind = options.Kind, Pooling = true, OneDimensional = shape.Count == 2, Transposed = false, Separable = false, Filters = 0,
            Kernel = options.Size, Stride = options.Stride, Padding = PaddingKind.Valid, PaddingSize = options.PaddingSize, Groups = 1, OutputPadding = 0,
        });
        if (result is not { } inferred) return null;
        return Create(inferred.Shape, new WindowDetail(inferred.Window));
    }

    /// <summary>
    /// A MaxUnpool's restated window must be its pooling's (CN0077); overlapping windows can send two values to one
    /// position, which this library adds and PyTorch does not (CN0078, a warning).
    /// </summary>
    private static bool CheckUnpoolWindow(ShapeContext context, LayerSpec layer, PoolOptions options, ShapedLayer pool, Window2D window)
    {
        // Square windows on [C, H, W]; on [C, L] the width is the window (its height is 1).
        int size = window.KernelWidth, stride = window.StrideWidth, padding = window.PadWidth;
        var given = new List<string>();
        bool mismatch = false;
        void Compare(string name, int value, int unset, int actual)
        {
            if (value == unset) return;
            given.Add($"{name} = {value}");
            if (value != actual) mismatch = true;
        }
        Compare("Size", options.Size, 0, size);
        Compare("Stride", options.Stride, 0, stride);
        Compare("PaddingSize", options.PaddingSize, -1, padding);
        bool oneDimensional = pool.OutputShape.Count == 2;
        string windows = oneDimensional ? $"windows of {size}" : $"{size}×{size} windows";
        if (mismatch)
        {
            context.Report(DiagnosticDescriptors.UnpoolWindowMismatch, layer.Location, layer.Name, string.Join(", ", given), pool.Name,
                $"{windows} with stride {stride} and padding {padding}",
                $"drop the settings or write Size = {size}, Stride = {stride}{(padding > 0 ? $", PaddingSize = {padding}" : "")}");
            return false;
        }
        if (stride < size || window.StrideHeight < window.KernelHeight)
            context.Report(DiagnosticDescriptors.UnpoolOverlappingWindows, layer.Location, layer.Name, pool.Name, windows, stride, size);
        return true;
    }

    public override long Flops(ShapedLayer layer)
    {
        var options = (PoolOptions)layer.Options;
        if (options.Unpool) return layer.OutputSize;
        if (options.Pool == PoolKind.GlobalAverage) return layer.InputSize;
        var window = ((WindowDetail)layer.Detail!).Window;
        return (long)window.OutputSize * window.KernelHeight * window.KernelWidth;
    }

    public override void AllocateBuffers(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        if (layer.Options is PoolOptions { Pool: PoolKind.Max, Unpool: false }) context.AllocateNamed(index, "switches", layer.OutputSize);
    }

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var options = (PoolOptions)layer.Options;
        var input = context.InputOf(index);
        var output = context.Buffer(index);
        if (options.Unpool)
        {
            var unpool = (UnpoolDetail)layer.Detail!;
            context.Forward(new UnpoolForwardOp(layer.Name, input, output, context.Named(unpool.SwitchSource, "switches"), unpool.Window));
            return;
        }
        var window = ((WindowDetail)layer.Detail!).Window;
        context.Forward(new PoolForwardOp(layer.Name, options.Pool, input, output, options.Pool == PoolKind.Max ? context.Named(index, "switches") : null, window));
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var options = (PoolOptions)layer.Options;
        var input = context.InputOf(index);
        var output = context.Buffer(index);
        var (target, derivative) = context.GradientInto(layer.Inputs[0]);
        if (options.Unpool)
        {
            var unpool = (UnpoolDetail)layer.Detail!;
            context.Backward(new UnpoolBackwardOp(layer.Name, input, output, context.Named(unpool.SwitchSource, "switches"), unpool.Window, target!, derivative));
            return;
        }
        var window = ((WindowDetail)layer.Detail!).Window;
        context.Backward(new PoolBackwardOp(layer.Name, options.Pool, input, output, options.Pool == PoolKind.Max ? context.Named(index, "switches") : null,
            window, target!, derivative));
    }

    public override string Describe(LayerPlan layer)
    {
        var options = (PoolOptions)layer.Options;
        if (options.Unpool) return "max-unpooling";
        if (options.Pool == PoolKind.GlobalAverage) return "global average pooling";
        var window = ((WindowDetail)layer.Detail!).Window;
        string text = CSharpCode.KernelText(window, layer.OutputShape.Count == 2) + CSharpCode.StrideText(window);
        return options.Pool == PoolKind.Max ? $"max pooling {text}" : $"average pooling {text}";
    }
}
