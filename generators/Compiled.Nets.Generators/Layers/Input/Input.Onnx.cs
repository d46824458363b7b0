using Compiled.Nets.Generators.Emit;

namespace Compiled.Nets.Generators.Layers.Input;

internal sealed partial class InputFamily
{
    public override string? OnnxProblem(Model.LayerPlan layer) => null;

    /// <summary>The graph's one input, [N, …shape]; token ids come in as floats, as Predict takes them, and the Embedding casts them.</summary>
    public override void WriteOnnx(OnnxContext onnx, int index)
    {
        var layer = onnx.Layers[index];
        onnx.Comment($"{layer.Name}: {Describe(layer)}, [{OnnxContext.Shape(layer.OutputShape)}]");
        onnx.Alias(index, layer.Name);
        onnx.GraphInput(layer.Name, layer.OutputShape);
    }
}
