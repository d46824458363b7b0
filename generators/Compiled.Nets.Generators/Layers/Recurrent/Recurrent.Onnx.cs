using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Recurrent;

internal sealed partial class RecurrentFamily
{
    /// <summary>PyTorch's LSTM gates i, f, g, o in ONNX's order i, o, f, c.</summary>
    private static readonly int[] LstmGates = { 0, 3, 1, 2 };
    /// <summary>PyTorch's GRU gates r, z, n in ONNX's order z, r, h.</summary>
    private static readonly int[] GruGates = { 1, 0, 2 };
    /// <summary>The peepholes p_i, p_f, p_o in ONNX's order i, o, f.</summary>
    private static readonly int[] PeepholeOrder = { 0, 2, 1 };

    public override string? OnnxProblem(LayerPlan layer) => ((RecurrentOptions)layer.Options).Stateful
        ? "is stateful: its state carries from one Predict call to the next, which an ONNX graph cannot keep; export a twin declared without Stateful and load the weights into it"
        : null;

    /// <summary>
    /// ONNX's RNN, LSTM (peepholes as input P) and GRU (linear_before_reset = 1, PyTorch's b_hn inside the reset product),
    /// one direction, time-major inside: [N, T, F] is transposed to [T, N, F], and Y [T, 1, N, H] back to [N, T, H] (or
    /// Y_h [1, N, H] to [N, H] for the last state). Gate blocks are reordered from PyTorch's order into ONNX's. A leaky
    /// SimpleRnn, which ONNX's RNN cannot express, is unrolled over its constant steps.
    /// </summary>
    public override void WriteOnnx(OnnxContext onnx, int index)
    {
        var layer = onnx.Layers[index];
        var call = Call(layer);
        if (call.Kind == RecurrentKind.SimpleRnn && call.Leak != 1f)
        {
            WriteUnrolled(onnx, index, call);
            return;
        }
        int h = call.Hidden, g = call.Gates, f = call.Features;
        int at = layer.WeightOffset;
        string prefix = layer.Name + ".onnx_";
        string[] inputs = new string[call.Kind == RecurrentKind.Lstm ? 8 : 6];
        string sequence = OnnxContext.Temporary(layer, "time_major");
        onnx.Node("Transpose", new[] { onnx.InputOf(index) }, sequence, ".Ints(\"perm\", 1, 0, 2)");
        inputs[0] = sequence;
        switch (call.Kind)
        {
            case RecurrentKind.Lstm:
                inputs[1] = onnx.ReorderedInitializer(prefix + "W", new[] { 1, g, f }, at, h * f, LstmGates);
                inputs[2] = onnx.ReorderedInitializer(prefix + "R", new[] { 1, g, h }, at + g * f, h * h, LstmGates);
                inputs[3] = onnx.ReorderedInitializer(prefix + "B", new[] { 1, 2 * g }, layer.BiasOffset, h, LstmGates.Concat(LstmGates.Select(k => k + 4)).ToArray());
                if (call.Peephole) inputs[7] = onnx.ReorderedInitializer(prefix + "P", new[] { 1, 3 * h }, at + g * (f + h), h, PeepholeOrder);
                break;
            case RecurrentKind.Gru:
                inputs[1] = onnx.ReorderedInitializer(prefix + "W", new[] { 1, g, f }, at, h * f, GruGates);
                inputs[2] = onnx.ReorderedInitializer(prefix + "R", new[] { 1, g, h }, at + g * f, h * h, GruGates);
                inputs[3] = onnx.ReorderedInitializer(prefix + "B", new[] { 1, 2 * g }, layer.BiasOffset, h, GruGates.Concat(GruGates.Select(k => k + 3)).ToArray());
                break;
            default:
                // One gate: PyTorch's blocks are ONNX's W, R and B = [b_ih, b_hh] as they lie in the arena.
                inputs[1] = onnx.Initializer(prefix + "W", new[] { 1, h, f }, "_parameters", at);
                inputs[2] = onnx.Initializer(prefix + "R", new[] { 1, h, h }, "_parameters", at + h * f);
                inputs[3] = onnx.Initializer(prefix + "B", new[] { 1, 2 * h }, "_parameters", layer.BiasOffset);
                break;
        }
        inputs[4] = ""; // sequence_lens: every sequence has all T steps
        inputs[5] = "";
        if (layer.Inputs.Count > 1) WriteInitialState(onnx, index, call, inputs);
        for (int i = 0; i < inputs.Length; i++) inputs[i] ??= "";

        string everyState = OnnxContext.Temporary(layer, "Y"), lastState = OnnxContext.Temporary(layer, "Y_h");
        var outputs = call.ReturnSequences ? new[] { everyState } : new[] { "", lastState };
        string op = call.Kind switch { RecurrentKind.Lstm => "LSTM", RecurrentKind.Gru => "GRU", _ => "RNN" };
        string attributes = $".Int(\"hidden_size\", {h})" + call.Kind switch
        {
            RecurrentKind.Gru => ".Int(\"linear_before_reset\", 1)",
            RecurrentKind.SimpleRnn => $".Strings(\"activations\", \"{(call.Activation == ActivationKind.ReLU ? "Relu" : "Tanh")}\")",
            _ => "",
        };
        onnx.Node(op, TrimOptional(inputs), outputs, attributes);
        if (call.ReturnSequences)
        {
            string squeezed = OnnxContext.Temporary(layer, "steps");
            onnx.Node("Squeeze", new[] { everyState, onnx.Int64s(1) }, squeezed);
            onnx.Node("Transpose", new[] { squeezed }, onnx.Define(index), ".Ints(\"perm\", 1, 0, 2)");
        }
        else onnx.Node("Squeeze", new[] { lastState, onnx.Int64s(0) }, onnx.Define(index));
    }

    /// <summary>initial_h (and initial_c) [1, N, H] from the state layer's [N, H] or [N, 2H] (h₀ then c₀).</summary>
    private static void WriteInitialState(OnnxContext onnx, int index, RecurrentCall call, string[] inputs)
    {
        var layer = onnx.Layers[index];
        var state = onnx.Layers[layer.Inputs[1]];
        string value = onnx.ValueOf(layer.Inputs[1]);
        string h0 = value, c0 = "";
        if (call.Kind == RecurrentKind.Lstm && state.OutputSize == 2 * call.Hidden)
        {
            h0 = OnnxContext.Temporary(layer, "h0");
            c0 = OnnxContext.Temporary(layer, "c0");
            onnx.Node("Split", new[] { value, onnx.Int64s(call.Hidden, call.Hidden) }, new[] { h0, c0 }, ".Int(\"axis\", 1)");
        }
        inputs[5] = OnnxContext.Temporary(layer, "initial_h");
        onnx.Node("Unsqueeze", new[] { h0, onnx.Int64s(0) }, inputs[5]);
        if (c0.Length > 0)
        {
            inputs[6] = OnnxContext.Temporary(layer, "initial_c");
            onnx.Node("Unsqueeze", new[] { c0, onnx.Int64s(0) }, inputs[6]);
        }
    }

    /// <summary>The inputs without the omitted optional ones at the end (ONNX lets trailing inputs be left out).</summary>
    private static string[] TrimOptional(string[] inputs)
    {
        int count = inputs.Length;
        while (count > 0 && inputs[count - 1].Length == 0) count--;
        return inputs.Take(count).ToArray();
    }

    /// <summary>
    /// h ← (1 − α) h + α f(x_t W_ihᵀ + b_ih + h W_hhᵀ + b_hh), step by step: the input projection of every step as one Gemm
    /// (as the kernels do it), then per step a Gather of its row, the recurrent Gemm, f and the leaky mix.
    /// </summary>
    private static void WriteUnrolled(OnnxContext onnx, int index, RecurrentCall call)
    {
        var layer = onnx.Layers[index];
        var tensors = RecurrentFamily.Instance.Tensors(layer).ToDictionary(t => t.Name.Substring(layer.Name.Length + 1));
        string inputWeight = onnx.Initializer(tensors["weight_ih_l0"]), hiddenWeight = onnx.Initializer(tensors["weight_hh_l0"]);
        string inputBias = onnx.Initializer(tensors["bias_ih_l0"]), hiddenBias = onnx.Initializer(tensors["bias_hh_l0"]);
        int h = call.Hidden;
        string rows = OnnxContext.Temporary(layer, "rows"), projected = OnnxContext.Temporary(layer, "projected"), steps = OnnxContext.Temporary(layer, "projection");
        onnx.Node("Reshape", new[] { onnx.InputOf(index), onnx.Int64s(-1, call.Features) }, rows);
        onnx.Node("Gemm", new[] { rows, inputWeight, inputBias }, projected, ".Int(\"transB\", 1)");
        onnx.Node("Reshape", new[] { projected, onnx.Int64s(-1, call.Steps, h) }, steps);
        string? state = layer.Inputs.Count > 1 ? onnx.ValueOf(layer.Inputs[1]) : null;
        string keep = onnx.Scalar(1f - call.Leak), mix = onnx.Scalar(call.Leak);
        var states = new List<string>();
        for (int t = 0; t < call.Steps; t++)
        {
            string Step(string what) => OnnxContext.Temporary(layer, $"{what}{t}");
            onnx.Node("Gather", new[] { steps, onnx.Int64Scalar(t) }, Step("x"), ".Int(\"axis\", 1)");
            string z = Step("z"), activated = Step("f"), next = Step("h");
            if (state is null) onnx.Node("Add", new[] { Step("x"), hiddenBias }, z); // h₀ = 0: W_hh h₀ vanishes
            else
            {
                onnx.Node("Gemm", new[] { state, hiddenWeight, hiddenBias }, Step("recurrent"), ".Int(\"transB\", 1)");
                onnx.Node("Add", new[] { Step("x"), Step("recurrent") }, z);
            }
            onnx.Node(call.Activation == ActivationKind.ReLU ? "Relu" : "Tanh", new[] { z }, activated);
            if (state is null) onnx.Node("Mul", new[] { activated, mix }, next);
            else
            {
                onnx.Node("Mul", new[] { state, keep }, Step("kept"));
                onnx.Node("Mul", new[] { activated, mix }, Step("new"));
                onnx.Node("Add", new[] { Step("kept"), Step("new") }, next);
            }
            state = next;
            states.Add(next);
        }
        if (!call.ReturnSequences)
        {
            onnx.Alias(index, state!);
            return;
        }
        var unsqueezed = new List<string>();
        foreach (string s in states)
        {
            onnx.Node("Unsqueeze", new[] { s, onnx.Int64s(1) }, s + "/step");
            unsqueezed.Add(s + "/step");
        }
        onnx.Node("Concat", unsqueezed.ToArray(), onnx.Define(index), ".Int(\"axis\", 1)");
    }
}
