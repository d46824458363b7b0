using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Dropout;

internal sealed partial class DropoutFamily
{
    public override string? OnnxProblem(LayerPlan layer) => null;

    /// <summary>The identity at inference, as in Predict: the layer passes its input's value on, with no node.</summary>
    public override void WriteOnnx(OnnxContext onnx, int index) => onnx.Alias(index, onnx.InputOf(index));
}
