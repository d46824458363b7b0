using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Convolution;

internal sealed partial class ConvolutionFamily
{
    public override string? OnnxProblem(LayerPlan layer) => null;

    /// <summary>
    /// Conv (groups, 1-D as rank 3) and ConvTranspose with PyTorch's weight layouts, which are ONNX's; a separable
    /// convolution is its depthwise Conv (group = channels) then its 1×1 Conv. The activation follows the last product.
    /// </summary>
    public override void WriteOnnx(OnnxContext onnx, int index)
    {
        var layer = onnx.Layers[index];
        var window = WindowOf(layer);
        var kind = KindOf(layer);
        var tensors = Tensors(layer).Select(onnx.Initializer).ToList();
        string input = onnx.InputOf(index);
        string output = onnx.PreActivation(index, layer.Activation);
        bool oneDimensional = layer.OutputShape.Count == 2;
        switch (kind)
        {
            case ConvolutionKind.ConvTranspose2D:
                // The window is the convolution this layer transposes: its output padding restores the rows the stride skipped.
                int outputPadding = ((ConvolutionOptions)layer.Options).OutputPadding;
                onnx.Node("ConvTranspose", new[] { input, tensors[0], tensors[1] }, output,
                    Geometry(window, oneDimensional) + $".Ints(\"output_padding\", {outputPadding}, {outputPadding})");
                break;
            case ConvolutionKind.SeparableConv2D:
            {
                string depthwise = OnnxContext.Temporary(layer, "depthwise");
                onnx.Node("Conv", new[] { input, tensors[0], tensors[1] }, depthwise, Geometry(window, false) + $".Int(\"group\", {window.InChannels})");
                onnx.Node("Conv", new[] { depthwise, tensors[2], tensors[3] }, output, ".Ints(\"kernel_shape\", 1, 1)");
                break;
            }
            default:
                onnx.Node("Conv", new[] { input, tensors[0], tensors[1] }, output,
                    Geometry(window, oneDimensional) + (window.Groups > 1 ? $".Int(\"group\", {window.Groups})" : ""));
                break;
        }
        onnx.Activation(layer.Activation, output, onnx.Define(index));
    }

    /// <summary>kernel_shape, strides and pads ([begin…, end…], the same on both sides) of a window, 1-D or 2-D.</summary>
    internal static string Geometry(Window2D w, bool oneDimensional) => oneDimensional
        ? $".Ints(\"kernel_shape\", {w.KernelWidth}).Ints(\"strides\", {w.StrideWidth}).Ints(\"pads\", {w.PadWidth}, {w.PadWidth})"
        : $".Ints(\"kernel_shape\", {w.KernelHeight}, {w.KernelWidth}).Ints(\"strides\", {w.StrideHeight}, {w.StrideWidth})" +
          $".Ints(\"pads\", {w.PadHeight}, {w.PadWidth}, {w.PadHeight}, {w.PadWidth})";
}
