using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Stochastic;

internal sealed partial class StochasticFamily
{
    public override string? OnnxProblem(LayerPlan layer) => null;

    /// <summary>At inference (Predict) a stochastic unit is its activation of the input, without noise: y = f(x).</summary>
    public override void WriteOnnx(OnnxContext onnx, int index)
    {
        var layer = onnx.Layers[index];
        onnx.Activation(layer.Activation, onnx.InputOf(index), onnx.Define(index));
    }
}
