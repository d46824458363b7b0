using Compiled.Nets.Generators.Emit;
using static Compiled.Nets.Generators.Emit.CSharpCode;

namespace Compiled.Nets.Generators.Layers.Recurrent;

/// <summary>The C# of the recurrent ops: one call into RecurrentKernels with the layer's constant RecurrentShape.</summary>
internal static class RecurrentCSharp
{
    public static void Forward(SourceWriter w, RecurrentForwardOp op)
    {
        var c = op.Call;
        w.Line($"// {op.Layer}: {c.Kind} over {c.Steps} steps of {c.Features} features, hidden {c.Hidden}{(op.Carried is null ? "" : ", from the state the last call left")}: the input projection of every step as one product, then a product with W_hh and the cell per step.");
        w.Line($"{Kernels}RecurrentKernels.Forward({c.Shape}, {ActivationSource(op.Input)}, new {ReadOnlySpan}(_parameters, {op.ParameterOffset}, {op.ParameterCount}), " +
               $"{Activations(op.Scratch)}, {Activations(op.Output)}, batch{(op.Carried is { } carried ? ", " + Carried(carried) : "")}" +
               $"{(op.GivenState is { } given ? $", givenState: {ActivationSource(given)}" : "")});");
    }

    public static void Commit(SourceWriter w, RecurrentForwardOp op)
    {
        if (op.Carried is not { } carried) return;
        w.Line($"// {op.Layer}: the last step's h{(op.Call.Kind == RecurrentKind.Lstm ? " and c" : "")} start the next call.");
        w.Line($"{Kernels}RecurrentKernels.CarryState({op.Call.Shape}, {Activations(op.Scratch)}, {Carried(carried)}, batch);");
    }

    public static void Backward(SourceWriter w, RecurrentBackwardOp op)
    {
        var c = op.Call;
        w.Line($"// {op.Layer}: backpropagation through {c.Steps} steps; W_ih, W_hh and the biases sum their gradients over the steps{(op.InputDelta is null ? "" : $", dx{DerivativeNote(op.InputDerivative)}")}.");
        w.Line($"{Kernels}RecurrentKernels.Backward({c.Shape}, {ActivationSource(op.Input)}, new {ReadOnlySpan}(_parameters, {op.ParameterOffset}, {op.ParameterCount}), " +
               $"{Activations(op.Scratch)}, {Deltas(op.Output)}, {Deltas(op.Scratch)}, new {Span}(_gradients, {op.ParameterOffset}, {op.ParameterCount}), " +
               $"{(op.InputDelta is { } target ? Deltas(target) : "default")}, batch, {ActivationStruct(op.InputDerivative)});");
        if (op.State is not { } state) return;
        w.Line($"// {op.Layer} → {state.State.Name}: the gradient at the initial state{DerivativeNote(state.Derivative)}.");
        w.Line($"{Kernels}RecurrentKernels.InitialStateGradient({c.Shape}, {Deltas(op.Scratch)}, {Deltas(state.Target)}, {Activations(state.State)}, batch, {ActivationStruct(state.Derivative)});");
    }
}
