using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;

namespace Compiled.Nets.Generators.Layers.LocalNormalization;

internal sealed partial class LocalNormalizationFamily
{
    public override string? OnnxProblem(LayerPlan layer) => null;

    public override void WriteOnnx(OnnxContext onnx, int index)
    {
        var layer = onnx.Layers[index];
        if (layer.Options is LocalResponseNormOptions lrn) WriteResponse(onnx, index, lrn);
        else WriteContrast(onnx, index, (LocalContrastNormOptions)layer.Options);
    }

    /// <summary>
    /// An odd window is ONNX's LRN (on [N, C, 1, L] for 1-D maps, which it does not take). An even one is not: ONNX centres it
    /// one channel later than PyTorch, so s = k + α/n Σ x² is a 1×1 Conv of x² with a 0/1 band of channels, and y = x s^(−β).
    /// </summary>
    private static void WriteResponse(OnnxContext onnx, int index, LocalResponseNormOptions lrn)
    {
        var layer = onnx.Layers[index];
        string input = onnx.InputOf(index);
        int channels = layer.OutputShape[0];
        bool oneDimensional = layer.OutputShape.Count == 2;
        string attributes = $".Int(\"size\", {lrn.Size}).Float(\"alpha\", {Float(lrn.Alpha)}).Float(\"beta\", {Float(lrn.Beta)}).Float(\"bias\", {Float(lrn.K)})";
        if (lrn.Size % 2 == 1)
        {
            if (!oneDimensional)
            {
                onnx.Node("LRN", new[] { input }, onnx.Define(index), attributes);
                return;
            }
            string planes = OnnxContext.Temporary(layer, "planes"), normalized = OnnxContext.Temporary(layer, "normalized");
            onnx.Node("Unsqueeze", new[] { input, onnx.Int64s(2) }, planes);
            onnx.Node("LRN", new[] { planes }, normalized, attributes);
            onnx.Node("Squeeze", new[] { normalized, onnx.Int64s(2) }, onnx.Define(index));
            return;
        }
        // Channel c sums channels c − n/2 … c + n/2 − 1 (PyTorch's window), scaled by α/n.
        var band = new List<float>(channels * channels);
        for (int c = 0; c < channels; c++)
            for (int j = 0; j < channels; j++)
                band.Add(j >= c - lrn.Size / 2 && j <= c + (lrn.Size - 1) / 2 ? lrn.Alpha / lrn.Size : 0f);
        var bandShape = oneDimensional ? new[] { channels, channels, 1 } : new[] { channels, channels, 1, 1 };
        string weights = onnx.FloatConstant(OnnxContext.Temporary(layer, "band"), bandShape, band);
        string squares = OnnxContext.Temporary(layer, "squares"), sums = OnnxContext.Temporary(layer, "sums"),
            scale = OnnxContext.Temporary(layer, "scale"), power = OnnxContext.Temporary(layer, "power");
        onnx.Node("Mul", new[] { input, input }, squares);
        onnx.Node("Conv", new[] { squares, weights }, sums, oneDimensional ? ".Ints(\"kernel_shape\", 1)" : ".Ints(\"kernel_shape\", 1, 1)");
        onnx.Node("Add", new[] { sums, onnx.Scalar(lrn.K) }, scale);
        onnx.Node("Pow", new[] { scale, onnx.Scalar(-lrn.Beta) }, power);
        onnx.Node("Mul", new[] { input, power }, onnx.Define(index));
    }

    /// <summary>
    /// m = box(Σ_c x)/N and σ² = box(Σ_c v²)/N as Convs of every channel with a window of 1/N (N = C·kh·kw, zero padded,
    /// centred), v = x − m, y = v / max(σ, ε): the kernels' formula, node for node.
    /// </summary>
    private static void WriteContrast(OnnxContext onnx, int index, LocalContrastNormOptions lcn)
    {
        var layer = onnx.Layers[index];
        string input = onnx.InputOf(index);
        int channels = layer.OutputShape[0];
        bool oneDimensional = layer.OutputShape.Count == 2;
        int kh = oneDimensional ? 1 : lcn.Size, kw = lcn.Size, pad = (lcn.Size - 1) / 2;
        int n = channels * kh * kw;
        var shape = oneDimensional ? new[] { 1, channels, kw } : new[] { 1, channels, kh, kw };
        string window = onnx.FloatConstant(OnnxContext.Temporary(layer, "window"), shape, Enumerable.Repeat(1f / n, n).ToList());
        string geometry = oneDimensional
            ? $".Ints(\"kernel_shape\", {kw}).Ints(\"pads\", {pad}, {pad})"
            : $".Ints(\"kernel_shape\", {kh}, {kw}).Ints(\"pads\", {pad}, {pad}, {pad}, {pad})";
        string mean = OnnxContext.Temporary(layer, "mean"), centred = OnnxContext.Temporary(layer, "centred"), squares = OnnxContext.Temporary(layer, "squares"),
            variance = OnnxContext.Temporary(layer, "variance"), sigma = OnnxContext.Temporary(layer, "sigma"), divisor = OnnxContext.Temporary(layer, "divisor");
        onnx.Node("Conv", new[] { input, window }, mean, geometry);
        onnx.Node("Sub", new[] { input, mean }, centred);
        onnx.Node("Mul", new[] { centred, centred }, squares);
        onnx.Node("Conv", new[] { squares, window }, variance, geometry);
        onnx.Node("Sqrt", new[] { variance }, sigma);
        onnx.Node("Max", new[] { sigma, onnx.Scalar(lcn.Epsilon) }, divisor);
        onnx.Node("Div", new[] { centred, divisor }, onnx.Define(index));
    }
}
