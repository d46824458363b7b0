using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;

namespace Compiled.Nets.Generators.Emit;

/// <summary>
/// What a family's <c>WriteOnnx</c> writes with: the emitted <c>ExportOnnx</c> body, the ONNX value that holds each layer's
/// output (a layer that is the identity at inference, like Dropout, passes its input's on), and helpers that emit nodes,
/// initializers over the live arenas, and shared constants. Values are [N, …the layer's per-sample shape], batch first.
/// </summary>
internal sealed class OnnxContext
{
    private readonly SourceWriter _w;
    private readonly string?[] _values;
    /// <summary>The initializers written so far, by name.</summary>
    private readonly HashSet<string> _constants = new();

    public OnnxContext(SourceWriter w, NetworkPlan plan)
    {
        _w = w;
        Plan = plan;
        _values = new string?[plan.Layers.Count];
    }

    public NetworkPlan Plan { get; }
    public IReadOnlyList<LayerPlan> Layers => Plan.Layers;

    /// <summary>The value holding layer <paramref name="index"/>'s output (its name unless it passed another on).</summary>
    public string ValueOf(int index) => _values[index] ?? throw new System.InvalidOperationException($"layer {Layers[index].Name} has no ONNX value yet");

    /// <summary>The value of the layer's first input.</summary>
    public string InputOf(int index) => ValueOf(Layers[index].Inputs[0]);

    /// <summary>The layer's output is this existing value (an identity at inference); no node.</summary>
    public void Alias(int index, string value) => _values[index] = value;

    /// <summary>Names the layer's output after the layer and returns that name, for its last node to write.</summary>
    public string Define(int index) => _values[index] = Layers[index].Name;

    /// <summary>A value of the layer's own: "Layer/suffix".</summary>
    public static string Temporary(LayerPlan layer, string suffix) => $"{layer.Name}/{suffix}";

    /// <summary>The value a layer's product goes to: its output when its activation is linear, else "Layer/linear".</summary>
    public string PreActivation(int index, ActivationPlan activation) =>
        activation.Kind == ActivationKind.Linear ? Define(index) : Temporary(Layers[index], "linear");

    /// <summary>[N, …shape]: the layer's output shape with the batch first.</summary>
    public static string Shape(IEnumerable<int> perSample) =>
        "N" + string.Concat(perSample.Select(d => ", " + d.ToString(CultureInfo.InvariantCulture)));

    public void Comment(string text) => _w.Line("// " + text);

    /// <summary>The graph's input: a float tensor [N, …perSample].</summary>
    public void GraphInput(string name, IEnumerable<int> perSample) => _w.Line($"onnx.Input({Literal(name)}, {Shape(perSample)});");

    /// <summary>
    /// One node; <paramref name="attributes"/> is the chained attribute calls (<c>.Int("axis", 1)</c>). The node is named
    /// after its first output.
    /// </summary>
    public void Node(string op, string[] inputs, string[] outputs, string attributes = "")
    {
        string name = outputs.First(o => o.Length > 0);
        _w.Line($"onnx.Node({Literal(op)}, {Literal(name)}, {Strings(inputs)}, {Strings(outputs)}){attributes};");
    }

    /// <summary>One node with one output.</summary>
    public void Node(string op, string[] inputs, string output, string attributes = "") => Node(op, inputs, new[] { output }, attributes);

    /// <summary>A saved tensor as an initializer of its own name and shape, over the live parameter or state arena; returns its name.</summary>
    public string Initializer(TensorPlan tensor) =>
        Initializer(tensor.Name, tensor.Shape, tensor.InStateArena ? "_state" : "_parameters", tensor.Offset);

    /// <summary>
    /// An initializer of <paramref name="shape"/> over <paramref name="arena"/> from <paramref name="offset"/>; returns its name.
    /// Once per name: a tied layer may name its partner's weight before or after the partner does.
    /// </summary>
    public string Initializer(string name, IEnumerable<int> shape, string arena, int offset)
    {
        if (!_constants.Add(name)) return name;
        var dims = shape.ToList();
        long count = dims.Aggregate(1L, (a, d) => a * d);
        _w.Line($"onnx.Initializer({Literal(name)}, {Longs(dims.Select(d => (long)d))}, new {ReadOnlySpan}({arena}, {offset}, {count}));");
        return name;
    }

    /// <summary>
    /// An initializer over the parameter arena with its blocks of <paramref name="block"/> floats reordered (block k is the
    /// source's block <paramref name="order"/>[k]): recurrent gates in ONNX's order.
    /// </summary>
    public string ReorderedInitializer(string name, IEnumerable<int> shape, int offset, int block, int[] order)
    {
        var dims = shape.ToList();
        long count = dims.Aggregate(1L, (a, d) => a * d);
        _w.Line($"onnx.Initializer({Literal(name)}, {Longs(dims.Select(d => (long)d))}, new {ReadOnlySpan}(_parameters, {offset}, {count}), {block}, " +
                $"new int[] {{ {string.Join(", ", order)} }});");
        return name;
    }

    /// <summary>A constant float tensor fixed at compile time (LRN's channel band, LCN's window); returns its name.</summary>
    public string FloatConstant(string name, IReadOnlyList<int> shape, IReadOnlyList<float> values)
    {
        if (!_constants.Add(name)) return name;
        _w.Line($"onnx.Initializer({Literal(name)}, {Longs(shape.Select(d => (long)d))}, new float[] {{ {string.Join(", ", values.Select(Float))} }});");
        return name;
    }

    /// <summary>A float scalar, shared by every node that uses the same value.</summary>
    public string Scalar(float value)
    {
        string name = $"scalar({Number(value)})";
        if (_constants.Add(name)) _w.Line($"onnx.Initializer({Literal(name)}, new long[0], new float[] {{ {Float(value)} }});");
        return name;
    }

    /// <summary>A 1-D int64 constant (a shape, axes, split sizes), shared by every node that uses the same values.</summary>
    public string Int64s(params long[] values)
    {
        string name = $"int64[{string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture)))}]";
        if (_constants.Add(name))
            _w.Line($"onnx.Int64Initializer({Literal(name)}, new long[] {{ {values.Length} }}{string.Concat(values.Select(v => ", " + v.ToString(CultureInfo.InvariantCulture)))});");
        return name;
    }

    /// <summary>An int64 scalar (Gather's index of one step).</summary>
    public string Int64Scalar(long value)
    {
        string name = $"int64({value.ToString(CultureInfo.InvariantCulture)})";
        if (_constants.Add(name)) _w.Line($"onnx.Int64Initializer({Literal(name)}, new long[0], {value.ToString(CultureInfo.InvariantCulture)});");
        return name;
    }

    /// <summary>
    /// The element-wise activation from <paramref name="input"/> into <paramref name="output"/> (nothing when linear: the
    /// product already wrote the output). Softmax normalises the last axis: the units, or each step's units.
    /// </summary>
    public void Activation(ActivationPlan activation, string input, string output)
    {
        switch (activation.Kind)
        {
            case ActivationKind.Linear:
                if (input != output) Node("Identity", new[] { input }, output);
                break;
            case ActivationKind.Logistic:
                // σ(k z): Sigmoid of k·z unless k is 1.
                if (activation.Slope == 1f) Node("Sigmoid", new[] { input }, output);
                else
                {
                    string scaled = output + "/scaled";
                    Node("Mul", new[] { input, Scalar(activation.Slope) }, scaled);
                    Node("Sigmoid", new[] { scaled }, output);
                }
                break;
            case ActivationKind.Tanh: Node("Tanh", new[] { input }, output); break;
            case ActivationKind.ReLU: Node("Relu", new[] { input }, output); break;
            case ActivationKind.LeakyReLU: Node("LeakyRelu", new[] { input }, output, $".Float(\"alpha\", {Float(activation.Slope)})"); break;
            case ActivationKind.Softplus: Node("Softplus", new[] { input }, output); break;
            case ActivationKind.Softmax: Node("Softmax", new[] { input }, output, ".Int(\"axis\", -1)"); break;
            case ActivationKind.Heaviside:
            {
                // 1 where z ≥ 0, else 0 (ONNX has no step function).
                string positive = output + "/nonnegative";
                Node("GreaterOrEqual", new[] { input, Scalar(0f) }, positive);
                Node("Cast", new[] { positive }, output, ".Int(\"to\", 1)");
                break;
            }
            case ActivationKind.Sign:
            {
                // 1 where z ≥ 0, else −1: ONNX's Sign gives 0 at 0, so a Where instead.
                string positive = output + "/nonnegative";
                Node("GreaterOrEqual", new[] { input, Scalar(0f) }, positive);
                Node("Where", new[] { positive, Scalar(1f), Scalar(-1f) }, output);
                break;
            }
            default:
                throw new System.InvalidOperationException($"activation {activation.Kind} has no ONNX form");
        }
    }

    internal void Finish()
    {
        var output = Layers[Layers.Count - 1];
        string value = ValueOf(Layers.Count - 1);
        // The graph's output is named after the output layer, whatever value holds it.
        if (value != output.Name) Node("Identity", new[] { value }, output.Name);
        _w.Line($"onnx.Output({Literal(output.Name)}, {Shape(output.OutputShape)});");
    }

    private static string Strings(IEnumerable<string> values) => $"new string[] {{ {string.Join(", ", values.Select(Literal))} }}";

    private static string Longs(IEnumerable<long> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? "new long[0]" : $"new long[] {{ {string.Join(", ", list.Select(v => v.ToString(CultureInfo.InvariantCulture)))} }}";
    }
}

/// <summary>
/// <c>ExportOnnx(path)</c> on every network: an ONNX model (opset 17) of what Predict computes, built by each layer's family
/// (<see cref="Layers.LayerFamily.WriteOnnx"/>) with the shapes as constants and the live weights as initializers. A network
/// with a layer that has no ONNX form (<see cref="Layers.LayerFamily.OnnxProblem"/>) gets an ExportOnnx that says which
/// layer and why, in a NotSupportedException, after checking its argument.
/// </summary>
internal static class OnnxEmitter
{
    /// <summary>The first layer without an ONNX form and why, or null when the whole network has one.</summary>
    public static string? Problem(NetworkPlan plan)
    {
        foreach (var layer in plan.Layers)
        {
            string? problem = layer.Family.OnnxProblem(layer);
            if (problem is not null) return $"layer {layer.Name} ({layer.Kind}) {problem}";
        }
        return null;
    }

    public static void Write(SourceWriter w, NetworkPlan plan, string generatedCode)
    {
        string? problem = Problem(plan);
        w.Line("/// <summary>");
        if (problem is null)
        {
            w.Line("/// Writes the network as an ONNX model (opset 17) that computes what <see cref=\"Predict\"/> does: input");
            w.Line($"/// \"{Escape(plan.Layers[0].Name)}\" [N, {string.Join(", ", plan.Layers[0].OutputShape)}], output \"{Escape(plan.Layers[plan.Layers.Count - 1].Name)}\" [N, {string.Join(", ", plan.Layers[plan.Layers.Count - 1].OutputShape)}] with a symbolic batch N,");
            w.Line("/// the current weights as initializers, dropout and noise as the identity, BatchNorm with its running statistics.");
            w.Line("/// The path is checked first; the file is written to a temporary name and renamed, so it is never half-written.");
        }
        else
        {
            w.Line($"/// Not available: {Escape(plan.Type.Name)} cannot be exported to ONNX: {Escape(problem)}. Throws NotSupportedException (after");
            w.Line("/// checking the path).");
        }
        w.Line("/// </summary>");
        w.Line(generatedCode);
        w.Open("public void ExportOnnx(string path)");
        w.Line("path = global::Compiled.Nets.Onnx.OnnxModelBuilder.CheckPath(path);");
        if (problem is not null)
        {
            w.Line($"throw new global::System.NotSupportedException({Literal($"{plan.Type.Name} cannot be exported to ONNX: {problem}.")});");
            w.Close();
            w.Line();
            return;
        }
        w.Line("_cuda?.EnsureHostCurrent();");
        w.Line("const long N = global::Compiled.Nets.Onnx.OnnxModelBuilder.Batch;");
        w.Line($"var onnx = new global::Compiled.Nets.Onnx.OnnxModelBuilder({Literal(plan.Type.Name)}, {Literal(CSharpEmitter.Version)}, {Literal(CSharpEmitter.Architecture(plan))});");
        var context = new OnnxContext(w, plan);
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            var layer = plan.Layers[i];
            if (i > 0) context.Comment($"{layer.Name}: {layer.Family.Describe(layer)} → [{string.Join(", ", layer.OutputShape)}]");
            layer.Family.WriteOnnx(context, i);
        }
        context.Finish();
        w.Line("onnx.Save(path);");
        w.Close();
        w.Line();
    }
}
