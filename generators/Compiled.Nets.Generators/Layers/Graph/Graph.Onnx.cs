using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Graph;

internal sealed partial class GraphFamily
{
    public override string? OnnxProblem(LayerPlan layer) => null;

    /// <summary>Add: Sum of the inputs, then the activation; Concat along the channels (axis 1); Flatten to [N, size].</summary>
    public override void WriteOnnx(OnnxContext onnx, int index)
    {
        var layer = onnx.Layers[index];
        var inputs = layer.Inputs.Select(onnx.ValueOf).ToArray();
        switch (KindOf(layer.Options))
        {
            case GraphKind.Add:
            {
                string sum = onnx.PreActivation(index, layer.Activation);
                onnx.Node("Sum", inputs, sum);
                onnx.Activation(layer.Activation, sum, onnx.Define(index));
                break;
            }
            case GraphKind.Concat:
                onnx.Node("Concat", inputs, onnx.Define(index), ".Int(\"axis\", 1)");
                break;
            default:
                onnx.Node("Flatten", inputs, onnx.Define(index), ".Int(\"axis\", 1)");
                break;
        }
    }
}
