using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Layers.Convolution;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Pooling;

internal sealed partial class PoolingFamily
{
    public override string? OnnxProblem(LayerPlan layer)
    {
        if (layer.Detail is UnpoolDetail { Window: var w } && (w.StrideWidth < w.KernelWidth || w.StrideHeight < w.KernelHeight))
            return "unpools overlapping windows: where two windows chose the same input this library adds their values, and ONNX's MaxUnpool keeps one";
        return null;
    }

    /// <summary>
    /// MaxPool (with its Indices output when a MaxUnpool uses the switches), AveragePool counting the padding as PyTorch
    /// does, GlobalAveragePool flattened to [N, C], and MaxUnpool to the shape of its pooling's input.
    /// </summary>
    public override void WriteOnnx(OnnxContext onnx, int index)
    {
        var layer = onnx.Layers[index];
        var options = (PoolOptions)layer.Options;
        string input = onnx.InputOf(index);
        if (options.Unpool)
        {
            var unpool = (UnpoolDetail)layer.Detail!;
            var pool = onnx.Layers[unpool.SwitchSource];
            string shape = OnnxContext.Temporary(layer, "shape");
            // The pooling's input shape, batch included: the output's, and the rows a floored window left out stay zero.
            onnx.Node("Shape", new[] { onnx.InputOf(unpool.SwitchSource) }, shape);
            onnx.Node("MaxUnpool", new[] { input, Indices(pool), shape }, onnx.Define(index),
                ConvolutionFamily.Geometry(unpool.Window, layer.OutputShape.Count == 2));
            return;
        }
        var window = ((WindowDetail)layer.Detail!).Window;
        bool oneDimensional = layer.OutputShape.Count == 2;
        switch (options.Pool)
        {
            case PoolKind.Max:
                bool switches = onnx.Layers.Any(l => l.Detail is UnpoolDetail u && u.SwitchSource == index);
                onnx.Node("MaxPool", new[] { input }, switches ? new[] { onnx.Define(index), Indices(layer) } : new[] { onnx.Define(index) },
                    ConvolutionFamily.Geometry(window, oneDimensional));
                break;
            case PoolKind.Average:
                onnx.Node("AveragePool", new[] { input }, onnx.Define(index), ConvolutionFamily.Geometry(window, oneDimensional) + ".Int(\"count_include_pad\", 1)");
                break;
            default:
            {
                string pooled = OnnxContext.Temporary(layer, "pooled");
                onnx.Node("GlobalAveragePool", new[] { input }, pooled);
                onnx.Node("Flatten", new[] { pooled }, onnx.Define(index), ".Int(\"axis\", 1)");
                break;
            }
        }
    }

    private static string Indices(LayerPlan pool) => OnnxContext.Temporary(pool, "indices");
}
