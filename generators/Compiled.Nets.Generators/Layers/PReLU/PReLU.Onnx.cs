using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.PReLU;

internal sealed partial class PReLUFamily
{
    public override string? OnnxProblem(LayerPlan layer) => null;

    /// <summary>ONNX's PRelu with the one learned slope, a [1] tensor that broadcasts over every value.</summary>
    public override void WriteOnnx(OnnxContext onnx, int index)
    {
        var layer = onnx.Layers[index];
        string slope = onnx.Initializer(Tensors(layer).Single());
        onnx.Node("PRelu", new[] { onnx.InputOf(index), slope }, onnx.Define(index));
    }
}
