using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Normalization;

internal sealed partial class BatchNormFamily
{
    public override string? OnnxProblem(LayerPlan layer) => null;

    /// <summary>
    /// BatchNormalization in inference form, as Predict runs it: γ (x − running mean) / √(running var + ε) + β per channel
    /// (axis 1 of [N, C] or [N, C, …]), then the activation.
    /// </summary>
    public override void WriteOnnx(OnnxContext onnx, int index)
    {
        var layer = onnx.Layers[index];
        var options = (BatchNormOptions)layer.Options;
        var inputs = new[] { onnx.InputOf(index) }.Concat(Tensors(layer).Select(onnx.Initializer)).ToArray();
        string normalized = onnx.PreActivation(index, layer.Activation);
        onnx.Node("BatchNormalization", inputs, normalized, $".Float(\"epsilon\", {CSharpCode.Float(options.Epsilon)})");
        onnx.Activation(layer.Activation, normalized, onnx.Define(index));
    }
}
