using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Maxout;

internal sealed partial class MaxoutFamily
{
    public override string? OnnxProblem(LayerPlan layer) => null;

    /// <summary>One Gemm into units·pieces values, seen as [N, units, pieces] (each unit's pieces are adjacent), and ReduceMax over the pieces.</summary>
    public override void WriteOnnx(OnnxContext onnx, int index)
    {
        var layer = onnx.Layers[index];
        int pieces = ((MaxoutOptions)layer.Options).Pieces;
        var tensors = Tensors(layer).ToList();
        string all = OnnxContext.Temporary(layer, "pieces"), grouped = OnnxContext.Temporary(layer, "grouped");
        onnx.Node("Gemm", new[] { onnx.InputOf(index), onnx.Initializer(tensors[0]), onnx.Initializer(tensors[1]) }, all, ".Int(\"transB\", 1)");
        onnx.Node("Reshape", new[] { all, onnx.Int64s(-1, layer.OutputSize, pieces) }, grouped);
        onnx.Node("ReduceMax", new[] { grouped }, onnx.Define(index), ".Ints(\"axes\", 2).Int(\"keepdims\", 0)");
    }
}
