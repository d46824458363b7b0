using System;
using Compiled.Nets.Generators.Emit;
using static Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.Recurrent;

/// <summary>The CUDA C of the recurrent ops (kernels/recurrent.cuh): one block per sample runs the steps; the weight gradients are one thread per weight.</summary>
internal static class RecurrentCuda
{
    private static int CellId(RecurrentCall c) => c.Cell switch
    {
        "SimpleRnnTanh" => 0, "SimpleRnnReLU" => 1, "Lstm" => 2, "LstmPeephole" => 3, _ => 4,
    };

    private static int Threads(RecurrentCall c) => Math.Min(c.Hidden, 256);

    private static string Template(RecurrentCall c) => $"{CellId(c)}, {c.Steps}, {c.Features}, {c.Hidden}";

    public static void Forward(CudaProgramBuilder cuda, RecurrentForwardOp op)
    {
        var c = op.Call;
        string name = $"{op.Layer}_forward";
        cuda.Kernel(name, $"{op.Layer}: {c.Kind} over {c.Steps} steps, hidden {c.Hidden}; grid batch (a block per sample), block {Threads(c)}",
            $"cn::recurrent_forward<{Template(c)}, {(c.ReturnSequences ? "true" : "false")}, {c.ScratchWidth}, {op.GivenState?.Width ?? 0}>({Source(op.Input, "A")}, P + {op.ParameterOffset}, " +
            $"{Buffer(op.Scratch, "A")}, {Buffer(op.Output, "A")}, {Float(c.Leak)}{(op.GivenState is { } given ? ", " + Buffer(given, "A") : "")});");
        cuda.Forward(new CudaLaunchSpec(name, "batch", "1", Threads(c), 1, "0"));
    }

    public static void Backward(CudaProgramBuilder cuda, RecurrentBackwardOp op)
    {
        var c = op.Call;
        string steps = $"{op.Layer}_backward", weights = $"{op.Layer}_weight_gradient";
        cuda.Kernel(steps, $"{op.Layer}: backpropagation through {c.Steps} steps, the gate gradients of every step; grid batch, block {Threads(c)}",
            $"cn::recurrent_backward<{Template(c)}, {(c.ReturnSequences ? "true" : "false")}, {c.ScratchWidth}, {op.State?.State.Width ?? 0}, {(op.State is { } st ? ActivationId(st.Derivative) : 0)}>(P + {op.ParameterOffset}, {Buffer(op.Scratch, "A")}, " +
            $"{Buffer(op.Output, "D")}, {Buffer(op.Scratch, "D")}, {Float(c.Leak)}" +
            $"{(op.State is { } state ? $", {Buffer(state.Target, "D")}, {Buffer(state.State, "A")}, {Slope(state.Derivative)}" : "")});");
        cuda.Backward.Add(new CudaLaunchSpec(steps, "batch", "1", Threads(c), 1, "0"));
        cuda.Kernel(weights, $"{op.Layer}: W_ih, W_hh, biases{(c.Peephole ? ", peepholes" : "")} += Σ over samples and steps; grid ⌈{op.ParameterCount}/{ElementThreads}⌉, block {ElementThreads}",
            $"cn::recurrent_weight_gradient<{CellId(c)}, CN_BATCH, {c.Steps}, {c.Features}, {c.Hidden}, {c.ScratchWidth}>({Source(op.Input, "A")}, {Buffer(op.Scratch, "A")}, " +
            $"{Buffer(op.Scratch, "D")}, G + {op.ParameterOffset});");
        cuda.Backward.Add(new CudaLaunchSpec(weights, Ceil(op.ParameterCount, ElementThreads), "1", ElementThreads, 1, "0"));
        if (op.InputDelta is not { } target) return;
        string inputs = $"{op.Layer}_input_gradient";
        cuda.Kernel(inputs, $"{op.Layer}: dx = f′_prev(x) ⊙ (dgates W_ih) at every step; grid ⌈batch·{c.InputWidth}/{ElementThreads}⌉, block {ElementThreads}",
            $"cn::recurrent_input_gradient<{CellId(c)}, CN_BATCH, {c.Steps}, {c.Features}, {c.Hidden}, {c.ScratchWidth}, {ActivationId(op.InputDerivative)}>(P + {op.ParameterOffset}, " +
            $"{Buffer(op.Input, "A")}, {Buffer(op.Scratch, "D")}, {Buffer(target, "D")}, {Slope(op.InputDerivative)});");
        cuda.Backward.Add(ElementLaunch(inputs, c.InputWidth));
    }
}
