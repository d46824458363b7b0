using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Embedding;

internal sealed partial class EmbeddingFamily
{
    public override string? OnnxProblem(LayerPlan layer) => null;

    /// <summary>The float token ids (what Predict takes) cast to int64, and Gather of the table's rows: [N, T] → [N, T, dimensions].</summary>
    public override void WriteOnnx(OnnxContext onnx, int index)
    {
        var layer = onnx.Layers[index];
        string ids = OnnxContext.Temporary(layer, "ids");
        onnx.Node("Cast", new[] { onnx.InputOf(index) }, ids, ".Int(\"to\", 7)");
        onnx.Node("Gather", new[] { onnx.Initializer(Tensors(layer).Single()), ids }, onnx.Define(index), ".Int(\"axis\", 0)");
    }
}
