using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;

namespace Compiled.Nets.Generators.Layers.Graph;

/// <summary>The C# of Add and Concat: element-wise kernels (GraphKernels).</summary>
internal static class GraphCSharp
{
    public static void AddForward(SourceWriter w, AddForwardOp add)
    {
        w.Line($"// {add.Layer}: the sum of {add.Inputs.Count} inputs, then {Describe(add.Activation)}.");
        w.Line($"{Kernels}GraphKernels.Add({ActivationSource(add.Inputs[0])}, {ActivationSource(add.Inputs[1])}, {Activations(add.Output)});");
        for (int k = 2; k < add.Inputs.Count; k++)
            w.Line($"{Kernels}DenseKernels.Add({Activations(add.Output)}, {ActivationSource(add.Inputs[k])});");
        if (add.Activation.Kind != ActivationKind.Linear)
            w.Line($"{Kernels}DenseKernels.ApplyActivation({Activations(add.Output)}, {ActivationStruct(add.Activation)});");
    }

    public static void ConcatForward(SourceWriter w, ConcatForwardOp concat)
    {
        w.Line($"// {concat.Layer}: {concat.Inputs.Count} inputs joined along the channels.");
        int offset = 0;
        foreach (var part in concat.Inputs)
        {
            w.Line($"{Kernels}GraphKernels.ConcatPart({ActivationSource(part)}, {part.Width}, {Activations(concat.Output)}, {concat.Output.Width}, {offset}, batch);");
            offset += part.Width;
        }
    }

    public static void AddBackward(SourceWriter w, AddBackwardOp add)
    {
        w.Line($"// {add.Layer}: the sum's delta flows to every input unchanged (times each producer's derivative).");
        foreach (var part in add.Inputs)
            if (part.InputDelta is { } target)
                w.Line($"{Kernels}GraphKernels.CopyTimesDerivative({Deltas(add.Output)}, {Activations(part.Input)}, {Deltas(target)}, {ActivationStruct(part.InputDerivative)});");
    }

    public static void ConcatBackward(SourceWriter w, ConcatBackwardOp concat)
    {
        w.Line($"// {concat.Layer}: the delta split back into its inputs' channels.");
        int offset = 0;
        foreach (var part in concat.Inputs)
        {
            if (part.InputDelta is { } target)
                w.Line($"{Kernels}GraphKernels.SplitPart({Deltas(concat.Output)}, {concat.Output.Width}, {offset}, {Activations(part.Input)}, {Deltas(target)}, {part.Input.Width}, batch, {ActivationStruct(part.InputDerivative)});");
            offset += part.Input.Width;
        }
    }
}
