using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Dense;

internal sealed partial class DenseFamily
{
    public override string? OnnxProblem(LayerPlan layer) => null;

    /// <summary>
    /// Gemm with W [out, in] transposed (nn.Linear's layout), then the activation. On a sequence the steps are rows of one
    /// product: [N, T, F] reshaped to [N·T, F] and back to [N, T, units]. A tied layer multiplies by its partner's weight untransposed.
    /// </summary>
    public override void WriteOnnx(OnnxContext onnx, int index)
    {
        var layer = onnx.Layers[index];
        var tensors = Tensors(layer).ToList();
        string input = onnx.InputOf(index);
        string output = onnx.PreActivation(index, layer.Activation);
        // A tied layer has no weight of its own: the partner's W [partner out, partner in] is [this in, this out], so x W + b.
        var tied = layer.Detail as TiedDetail;
        var owner = tied is null ? layer : onnx.Layers[tied.Partner];
        string weight = onnx.Initializer(Tensors(owner).Single(t => t.Name.EndsWith(".weight", System.StringComparison.Ordinal)));
        string bias = onnx.Initializer(tensors.Single(t => t.Name.EndsWith(".bias", System.StringComparison.Ordinal)));
        if (tied is not null) onnx.Node("Gemm", new[] { input, weight, bias }, output);
        else if (layer.Steps > 0)
        {
            string rows = OnnxContext.Temporary(layer, "rows"), product = OnnxContext.Temporary(layer, "product");
            onnx.Node("Reshape", new[] { input, onnx.Int64s(-1, InputFeatures(layer)) }, rows);
            onnx.Node("Gemm", new[] { rows, weight, bias }, product, ".Int(\"transB\", 1)");
            onnx.Node("Reshape", new[] { product, onnx.Int64s(-1, layer.Steps, Units(layer)) }, output);
        }
        else onnx.Node("Gemm", new[] { input, weight, bias }, output, ".Int(\"transB\", 1)");
        onnx.Activation(layer.Activation, output, onnx.Define(index));
    }
}
