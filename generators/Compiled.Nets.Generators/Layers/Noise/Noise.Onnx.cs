using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Noise;

internal sealed partial class NoiseFamily
{
    public override string? OnnxProblem(LayerPlan layer) => null;

    /// <summary>Noise is added in training only: at inference, as in Predict, the layer passes its input's value on.</summary>
    public override void WriteOnnx(OnnxContext onnx, int index) => onnx.Alias(index, onnx.InputOf(index));
}
