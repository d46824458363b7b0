using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators.Layers.Convolution;

internal enum ConvolutionKind { Conv1D, Conv2D, ConvTranspose2D, SeparableConv2D }

/// <summary>
/// [Conv1D/Conv2D/ConvTranspose2D/SeparableConv2D(filters, kernel, activation)]: padding size −1 means "use the padding
/// rule" (a transposed convolution's defaults to 0); slope, initialisation and penalties NaN/Default when not set.
/// </summary>
internal sealed record ConvolutionOptions : LayerOptions
{
    public override LayerFamily Family => ConvolutionFamily.Instance;
    public override string Kind => Convolution.ToString();
    public required ConvolutionKind Convolution { get; init; }
    public required int Filters { get; init; }
    public required int KernelSize { get; init; }
    public required ActivationKind Activation { get; init; }
    public required float Slope { get; init; }
    public required int Stride { get; init; }
    public required PaddingKind Padding { get; init; }
    public required int PaddingSize { get; init; }
    public required int Groups { get; init; }
    public required int OutputPadding { get; init; }
    public required InitializationKind Initialization { get; init; }
    public required float BiasInitialValue { get; init; }
    public required float L1 { get; init; }
    public required float L2 { get; init; }
}

/// <summary>
/// Convolutions over NCHW maps with PyTorch's geometry and weight layouts: 1-D, 2-D (groups, so 1×1 and depthwise
/// too), transposed, and depthwise-separable (a depthwise part then a 1×1 pointwise part, tensors ".depthwise" and ".pointwise").
/// Bias and activation live in the product's epilogue, so the delta of the output is the gradient at the pre-activation.
/// </summary>
internal sealed partial class ConvolutionFamily : LayerFamily
{
    public static readonly ConvolutionFamily Instance = new();

    public override string Name => "Convolution";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "Conv1DAttribute", "Conv2DAttribute", "ConvTranspose2DAttribute", "SeparableConv2DAttribute" };

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        if (!attribute.Has(0) || !attribute.Has(1)) return null;
        var kind = attribute.AttributeName switch
        {
            "Conv1DAttribute" => ConvolutionKind.Conv1D,
            "Conv2DAttribute" => ConvolutionKind.Conv2D,
            "ConvTranspose2DAttribute" => ConvolutionKind.ConvTranspose2D,
            _ => ConvolutionKind.SeparableConv2D,
        };
        var options = new ConvolutionOptions
        {
            Convolution = kind,
            Filters = attribute.Int(0),
            KernelSize = attribute.Int(1),
            Activation = attribute.Has(2) ? (ActivationKind)attribute.Int(2) : ActivationKind.Linear,
            Slope = float.NaN,
            Stride = 1,
            Padding = PaddingKind.Valid,
            PaddingSize = kind == ConvolutionKind.ConvTranspose2D ? 0 : -1,
            Groups = 1,
            OutputPadding = 0,
            Initialization = InitializationKind.Default,
            BiasInitialValue = 0f,
            L1 = float.NaN,
            L2 = float.NaN,
        };
        foreach (var named in attribute.Named)
        {
            options = named.Key switch
            {
                "Slope" => options with { Slope = LayerAttribute.Float(named.Value) },
                "Initialization" => options with { Initialization = (InitializationKind)LayerAttribute.Int(named.Value) },
                "BiasInitialValue" => options with { BiasInitialValue = LayerAttribute.Float(named.Value) },
                "L1" => options with { L1 = LayerAttribute.Float(named.Value) },
                "L2" => options with { L2 = LayerAttribute.Float(named.Value) },
                "Stride" => options with { Stride = LayerAttribute.Int(named.Value) },
                "Padding" => options with { Padding = (PaddingKind)LayerAttribute.Int(named.Value) },
                "PaddingSize" => options with { PaddingSize = LayerAttribute.Int(named.Value) },
                "Groups" => options with { Groups = LayerAttribute.Int(named.Value) },
                "OutputPadding" => options with { OutputPadding = LayerAttribute.Int(named.Value) },
                _ => options,
            };
        }
        return options;
    }

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var options = (ConvolutionOptions)layer.Options;
        if (!SettingRules.Activation(context, layer, options.Activation) | !SettingRules.Initialization(context, layer, options.Initialization)
            | !SettingRules.Defined(context, layer, "Padding", "Padding", options.Padding) | !SettingRules.BiasInitialValue(context, layer, options.BiasInitialValue))
            return null;
        var result = WindowInference.Infer(context, layer, inputs[0], new WindowRequest
        {
            Kind = options.Kind,
            Pooling = false,
            OneDimensional = options.Convolution == ConvolutionKind.Conv1D,
            Transposed = options.Convolution == ConvolutionKind.ConvTranspose2D,
            Separable = options.Convolution == ConvolutionKind.SeparableConv2D,
            Filters = options.Filters,
            Kernel = options.KernelSize,
            Stride = options.Stride,
            Padding = options.Padding,
            PaddingSize = options.PaddingSize,
            Groups = options.Groups,
            OutputPadding = options.OutputPadding,
        });
        if (result is not { } inferred) return null;
        ActivationRules.Check(context, layer, options.Activation, SoftmaxRule.Rejected);
        float slope = ActivationRules.ResolveSlope(context, layer, options.Activation, options.Slope);
        var (l1, l2) = context.Penalties(layer, options.L1, options.L2);
        var resolved = options with { Slope = slope, Initialization = context.Initialization(options.Initialization) };
        var window = inferred.Window;
        int filters = inferred.Shape[0];
        var shaped = context.Create(layer, inputs, inferred.Shape, resolved, new ActivationPlan(options.Activation, slope), deltaAtPreActivation: true)
            with { Detail = new WindowDetail(window), L1 = l1, L2 = l2 };
        return options.Convolution switch
        {
            ConvolutionKind.ConvTranspose2D => shaped with { WeightCount = window.WeightCount, BiasCount = window.InChannels },
            ConvolutionKind.SeparableConv2D => shaped with { WeightCount = window.WeightCount + window.OutChannels * filters, BiasCount = window.OutChannels + filters },
            _ => shaped with { WeightCount = window.WeightCount, BiasCount = window.OutChannels },
        };
    }

    private static ConvolutionKind KindOf(LayerPlan layer) => ((ConvolutionOptions)layer.Options).Convolution;

    private static Window2D WindowOf(LayerPlan layer) => ((WindowDetail)layer.Detail!).Window;

    public override long Flops(ShapedLayer layer)
    {
        var window = ((WindowDetail)layer.Detail!).Window;
        return ((ConvolutionOptions)layer.Options).Convolution == ConvolutionKind.SeparableConv2D
            ? 2L * window.MultiplyAdds + 2L * window.OutputSize * layer.OutputShape[0]
            : 2L * window.MultiplyAdds;
    }

    /// <summary>A separable convolution's two parts: depthwise weight then pointwise weight, depthwise bias then pointwise bias.</summary>
    private static ((int WeightOffset, int BiasOffset) Depthwise, (int WeightOffset, int BiasOffset, Window2D Window) Pointwise) SeparableParts(LayerPlan layer)
    {
        var dw = WindowOf(layer);
        int filters = layer.OutputShape[0];
        var pointwise = new Window2D(dw.OutChannels, dw.OutHeight, dw.OutWidth, filters, 1, 1, 1, 1, 0, 0, 1);
        return ((layer.WeightOffset, layer.BiasOffset), (layer.WeightOffset + dw.WeightCount, layer.BiasOffset + dw.OutChannels, pointwise));
    }

    public override IEnumerable<TensorPlan> Tensors(LayerPlan layer)
    {
        var w = WindowOf(layer);
        TensorPlan Tensor(string suffix, int offset, params int[] shape) => new(layer.Name + suffix, shape.ToEquatableArray(), false, offset);
        switch (KindOf(layer))
        {
            case ConvolutionKind.Conv1D:
                yield return Tensor(".weight", layer.WeightOffset, w.OutChannels, w.InChannels / w.Groups, w.KernelWidth);
                yield return Tensor(".bias", layer.BiasOffset, w.OutChannels);
                break;
            case ConvolutionKind.Conv2D:
                yield return Tensor(".weight", layer.WeightOffset, w.OutChannels, w.InChannels / w.Groups, w.KernelHeight, w.KernelWidth);
                yield return Tensor(".bias", layer.BiasOffset, w.OutChannels);
                break;
            case ConvolutionKind.ConvTranspose2D:
                // ConvTranspose2d's weight [in, out, k, k] is the transposed convolution's [OutC, InC, k, k].
                yield return Tensor(".weight", layer.WeightOffset, w.OutChannels, w.InChannels, w.KernelHeight, w.KernelWidth);
                yield return Tensor(".bias", layer.BiasOffset, w.InChannels);
                break;
            default:
            {
                var (depthwise, pointwise) = SeparableParts(layer);
                yield return Tensor(".depthwise.weight", depthwise.WeightOffset, w.OutChannels, 1, w.KernelHeight, w.KernelWidth);
                yield return Tensor(".depthwise.bias", depthwise.BiasOffset, w.OutChannels);
                yield return Tensor(".pointwise.weight", pointwise.WeightOffset, pointwise.Window.OutChannels, pointwise.Window.InChannels, 1, 1);
                yield return Tensor(".pointwise.bias", pointwise.BiasOffset, pointwise.Window.OutChannels);
                break;
            }
        }
    }

    public override bool PenalizesWeights(LayerPlan layer) => true;

    public override void AllocateBuffers(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        if (KindOf(layer) == ConvolutionKind.SeparableConv2D) context.AllocateNamed(index, "depthwise", WindowOf(layer).OutputSize);
    }

    /// <summary>The CPU algorithm of a convolution with this window, decided here, while lowering, and recorded in its op.</summary>
    private static ConvAlgorithmKind Algorithm(Window2D window) => ConvolutionAlgorithms.Choose(window);

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var input = context.InputOf(index);
        var output = context.Buffer(index);
        var window = WindowOf(layer);
        switch (KindOf(layer))
        {
            case ConvolutionKind.ConvTranspose2D:
                context.Forward(new ConvTransposeForwardOp(layer.Name, input, output, layer.WeightOffset, layer.BiasOffset, window, Algorithm(window), layer.Activation));
                break;
            case ConvolutionKind.SeparableConv2D:
            {
                var (depthwise, pointwise) = SeparableParts(layer);
                var hidden = context.Named(index, "depthwise");
                context.Forward(new ConvForwardOp(layer.Name + "_depthwise", input, hidden, depthwise.WeightOffset, depthwise.BiasOffset, window, Algorithm(window), ActivationPlan.Linear));
                context.Forward(new ConvForwardOp(layer.Name + "_pointwise", hidden, output, pointwise.WeightOffset, pointwise.BiasOffset, pointwise.Window, Algorithm(pointwise.Window), layer.Activation));
                break;
            }
            default:
                context.Forward(new ConvForwardOp(layer.Name, input, output, layer.WeightOffset, layer.BiasOffset, window, Algorithm(window), layer.Activation));
                break;
        }
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var input = context.InputOf(index);
        var output = context.Buffer(index);
        var window = WindowOf(layer);
        var (target, derivative) = context.GradientInto(layer.Inputs[0]);
        switch (KindOf(layer))
        {
            case ConvolutionKind.ConvTranspose2D:
                context.Backward(new ConvTransposeBackwardOp(layer.Name, input, output, layer.WeightOffset, layer.BiasOffset, window, Algorithm(window), target, derivative));
                break;
            case ConvolutionKind.SeparableConv2D:
            {
                var (depthwise, pointwise) = SeparableParts(layer);
                var hidden = context.Named(index, "depthwise");
                context.Backward(new ConvBackwardOp(layer.Name + "_pointwise", hidden, output, pointwise.WeightOffset, pointwise.BiasOffset,
                    pointwise.Window, Algorithm(pointwise.Window), hidden, ActivationPlan.Linear));
                context.Backward(new ConvBackwardOp(layer.Name + "_depthwise", input, hidden, depthwise.WeightOffset, depthwise.BiasOffset,
                    window, Algorithm(window), target, derivative));
                break;
            }
            default:
                context.Backward(new ConvBackwardOp(layer.Name, input, output, layer.WeightOffset, layer.BiasOffset, window, Algorithm(window), target, derivative));
                break;
        }
    }

    public override void WriteInitialization(SourceWriter w, LayerPlan layer)
    {
        var options = (ConvolutionOptions)layer.Options;
        var cw = WindowOf(layer);
        int taps = cw.KernelHeight * cw.KernelWidth;
        if (options.Convolution == ConvolutionKind.SeparableConv2D)
        {
            int filters = layer.OutputShape[0];
            InitializationCode.WriteFill(w, layer.Name, options.Initialization, options.BiasInitialValue, layer.WeightOffset, cw.WeightCount, taps, cw.OutChannels * taps, layer.BiasOffset, cw.OutChannels);
            InitializationCode.WriteFill(w, layer.Name, options.Initialization, options.BiasInitialValue, layer.WeightOffset + cw.WeightCount, filters * cw.OutChannels, cw.OutChannels, filters, layer.BiasOffset + cw.OutChannels, filters);
            return;
        }
        // PyTorch's fans: weight [a, b, k…] has fan in b·k… and fan out a·k….
        InitializationCode.WriteFill(w, layer.Name, options.Initialization, options.BiasInitialValue, layer.WeightOffset, layer.WeightCount,
            cw.PatchLength, cw.OutChannels * taps, layer.BiasOffset, layer.BiasCount);
    }

    public override string Describe(LayerPlan layer)
    {
        var window = WindowOf(layer);
        string activation = CSharpCode.Describe(layer.Activation);
        var kind = KindOf(layer);
        string kernel = CSharpCode.KernelText(window, kind == ConvolutionKind.Conv1D && layer.OutputShape.Count == 2);
        return kind switch
        {
            ConvolutionKind.ConvTranspose2D => $"transposed convolution, {window.InChannels} filters of {kernel}{CSharpCode.StrideText(window)}, {activation}",
            ConvolutionKind.SeparableConv2D => $"depthwise-separable convolution, {kernel} depthwise then {layer.OutputShape[0]} 1×1 filters{CSharpCode.StrideText(window)}, {activation}",
            _ => $"{(kind == ConvolutionKind.Conv1D ? "1-D" : "2-D")} convolution, {window.OutChannels} filters of {kernel}{CSharpCode.StrideText(window)}{(window.Groups > 1 ? $", {window.Groups} groups" : "")}, {activation}",
        };
    }

    public override bool ShowsActivation(LayerPlan layer) => true;
}
