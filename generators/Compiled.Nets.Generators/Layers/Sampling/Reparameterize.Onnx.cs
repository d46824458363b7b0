using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Sampling;

internal sealed partial class ReparameterizeFamily
{
    public override string? OnnxProblem(LayerPlan layer) => null;

    /// <summary>At inference z = μ, as in Predict: the layer passes its first input's value on; log σ² is not read.</summary>
    public override void WriteOnnx(OnnxContext onnx, int index) => onnx.Alias(index, onnx.InputOf(index));
}
