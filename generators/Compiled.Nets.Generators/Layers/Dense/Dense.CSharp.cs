using System;
using System.Linq;
using System.Text;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;

namespace Compiled.Nets.Generators.Layers.Dense;

/// <summary>The C# of the dense ops: unrolled straight-line code for small layers, SIMD kernel calls for the rest.</summary>
internal static class DenseCSharp
{
    /// <summary>The rows a dense op runs over: the batch, or every step of every sample on a sequence.</summary>
    private static string Rows(int steps) => steps == 1 ? "batch" : $"batch * {steps}";

    private static string PerStep(int steps) => steps == 1 ? "per sample" : $"per step, on each of {steps} steps";

    public static void KernelForward(SourceWriter w, DenseForwardOp op)
    {
        int n = op.Input.Width / op.Steps, m = op.Output.Width / op.Steps;
        w.Line($"// {op.Layer}: dense {n} → {m}, {Describe(op.Epilogue)}; {Count(n * m)} multiply-adds {PerStep(op.Steps)}: SIMD kernel, bias and activation in its epilogue.");
        w.Line($"{Kernels}DenseKernels.Forward({ActivationSource(op.Input)}, " +
               $"new {ReadOnlySpan}(_parameters, {op.WeightOffset}, {n * m}), new {ReadOnlySpan}(_parameters, {op.BiasOffset}, {m}), " +
               $"{Activations(op.Output)}, {Rows(op.Steps)}, {n}, {m}, {ActivationStruct(op.Epilogue)});");
    }

    public static void UnrolledForward(SourceWriter w, DenseForwardOp op)
    {
        int n = op.Input.Width / op.Steps, m = op.Output.Width / op.Steps;
        w.Line($"// {op.Layer}: dense {n} → {m}, {Describe(op.Epilogue)}; {n * m} multiply-adds {PerStep(op.Steps)}, unrolled.");
        w.Open();
        w.Line("ref float w = ref MemoryMarshal.GetArrayDataReference(_parameters);");
        w.Line($"ref float xFirst = ref {RowBase(op.Input, ActivationArena, "inputs")};");
        w.Line($"ref float yFirst = ref {RowBase(op.Output, ActivationArena, "inputs")};");
        w.Open($"for (int s = 0; s < {Rows(op.Steps)}; s++)");
        w.Line($"ref float x = ref Unsafe.Add(ref xFirst, s * {n});");
        w.Line($"ref float y = ref Unsafe.Add(ref yFirst, s * {m});");
        WriteLoadLocals(w, "x", "x", n);
        // Transcendental activations run afterwards over the whole batch's outputs, eight at a time (a vector exp per eight
        // values instead of one per sample's few units).
        bool vectorActivation = op.Epilogue.Kind is ActivationKind.Tanh or ActivationKind.Logistic or ActivationKind.Softplus;
        for (int j = 0; j < m; j++)
        {
            var sum = new StringBuilder($"Unsafe.Add(ref w, {op.BiasOffset + j})");
            for (int i = 0; i < n; i++) sum.Append($" + Unsafe.Add(ref w, {op.WeightOffset + j * n + i}) * x{i}");
            w.Line($"Unsafe.Add(ref y, {j}) = {(vectorActivation ? sum.ToString() : ScalarApply(op.Epilogue, sum.ToString()))}; // unit {j}");
        }
        w.Close();
        if (vectorActivation)
        {
            w.Line($"// {Describe(op.Epilogue)} of the batch's {m}-unit rows, vectorised.");
            w.Line($"{Kernels}DenseKernels.ApplyActivation({Activations(op.Output)}, {ActivationStruct(op.Epilogue)});");
        }
        w.Close();
    }

    public static void TiedForward(SourceWriter w, TiedDenseForwardOp op)
    {
        int n = op.Input.Width, m = op.Output.Width;
        w.Line($"// {op.Layer}: dense {n} → {m} with {op.Partner}'s weight transposed, {Describe(op.Epilogue)}.");
        w.Line($"{Kernels}TiedDenseKernels.Forward({ActivationSource(op.Input)}, new {ReadOnlySpan}(_parameters, {op.WeightOffset}, {n * m}), " +
               $"new {ReadOnlySpan}(_parameters, {op.BiasOffset}, {m}), {Activations(op.Output, m)}, batch, {n}, {m}, {ActivationStruct(op.Epilogue)});");
    }

    public static void TiedBackward(SourceWriter w, TiedDenseBackwardOp op)
    {
        int n = op.Input.Width, m = op.Output.Width;
        w.Line($"// {op.Layer}: {op.Partner}'s dW += x ⊗ dz (its two uses add up), db += Σ dz{(op.InputDelta is null ? "" : ", dz_prev = f′(x) ⊙ (W dz)")}.");
        w.Line($"{Kernels}TiedDenseKernels.Backward({Deltas(op.Output, m)}, {ActivationSource(op.Input)}, new {ReadOnlySpan}(_parameters, {op.WeightOffset}, {n * m}), " +
               $"new {Span}(_gradients, {op.WeightOffset}, {n * m}), new {Span}(_gradients, {op.BiasOffset}, {m}), " +
               $"{(op.InputDelta is { } target ? $"{Deltas(target, n)}" : "default")}, batch, {n}, {m}, {ActivationStruct(op.InputDerivative)});");
    }

    public static void SoftmaxForward(SourceWriter w, SoftmaxForwardOp softmax)
    {
        int width = softmax.Buffer.Width / softmax.Steps;
        w.Line($"// {softmax.Layer}: softmax over {width} units, {PerStep(softmax.Steps)}.");
        w.Line($"{Kernels}SoftmaxKernels.Forward({Activations(softmax.Buffer)}, {width});");
    }

    public static void SoftmaxBackward(SourceWriter w, SoftmaxBackwardOp softmax)
    {
        w.Line($"// {softmax.Layer}: through the softmax, dz = y ⊙ (dy − (dy · y)).");
        w.Line($"{Kernels}SoftmaxKernels.Backward({Activations(softmax.Buffer)}, " +
               $"{Deltas(softmax.Buffer)}, {softmax.Buffer.Width / softmax.Steps});");
    }

    public static void KernelBackward(SourceWriter w, DenseBackwardOp op)
    {
        int n = op.Input.Width / op.Steps, m = op.Output.Width / op.Steps;
        w.Line($"// {op.Layer}: dW = dzᵀ x, db = Σ dz over the batch{(op.Steps == 1 ? "" : " and the steps")} ({n} → {m}, SIMD kernel).");
        w.Line($"{Kernels}DenseKernels.WeightGradient({Deltas(op.Output)}, {ActivationSource(op.Input)}, " +
               $"new {Span}(_gradients, {op.WeightOffset}, {n * m}), new {Span}(_gradients, {op.BiasOffset}, {m}), {Rows(op.Steps)}, {n}, {m});");
        if (!op.PropagateToInput) return;
        w.Line($"// {op.Layer} → previous layer: dz_prev = f′(x) ⊙ (dz W), the derivative ({Describe(op.InputDerivative)}) fused in the epilogue.");
        w.Line($"{Kernels}DenseKernels.InputGradient({Deltas(op.Output)}, new {ReadOnlySpan}(_parameters, {op.WeightOffset}, {n * m}), " +
               $"{Activations(op.Input)}, {Deltas(op.InputDelta)}, {Rows(op.Steps)}, {n}, {m}, {ActivationStruct(op.InputDerivative)});");
    }

    public static void UnrolledBackward(SourceWriter w, DenseBackwardOp op)
    {
        int n = op.Input.Width / op.Steps, m = op.Output.Width / op.Steps;
        w.Line($"// {op.Layer}: backward, {n} → {m}, unrolled: dW += dz xᵀ, db += dz{(op.PropagateToInput ? ", dz_prev = f′(x) ⊙ (Wᵀ dz)" : "")}.");
        w.Open();
        w.Line("ref float w = ref MemoryMarshal.GetArrayDataReference(_parameters);");
        w.Line("ref float g = ref MemoryMarshal.GetArrayDataReference(_gradients);");
        w.Line($"ref float xFirst = ref {RowBase(op.Input, ActivationArena, "inputs")};");
        w.Line($"ref float dzFirst = ref {RowBase(op.Output, DeltaArena, "inputs")};");
        if (op.PropagateToInput) w.Line($"ref float dxFirst = ref {RowBase(op.InputDelta, DeltaArena, "inputs")};");
        w.Open($"for (int s = 0; s < {Rows(op.Steps)}; s++)");
        w.Line($"ref float x = ref Unsafe.Add(ref xFirst, s * {n});");
        w.Line($"ref float dz = ref Unsafe.Add(ref dzFirst, s * {m});");
        WriteLoadLocals(w, "x", "x", n);
        WriteLoadLocals(w, "d", "dz", m);
        for (int j = 0; j < m; j++)
        {
            var line = new StringBuilder();
            for (int i = 0; i < n; i++) line.Append($"Unsafe.Add(ref g, {op.WeightOffset + j * n + i}) += d{j} * x{i}; ");
            line.Append($"Unsafe.Add(ref g, {op.BiasOffset + j}) += d{j}; // unit {j}");
            w.Line(line.ToString());
        }
        if (op.PropagateToInput)
        {
            w.Line($"ref float dx = ref Unsafe.Add(ref dxFirst, s * {n});");
            for (int i = 0; i < n; i++)
            {
                var sum = new StringBuilder();
                for (int j = 0; j < m; j++)
                    sum.Append(j == 0 ? "" : " + ").Append($"d{j} * Unsafe.Add(ref w, {op.WeightOffset + j * n + i})");
                string? derivative = ScalarDerivative(op.InputDerivative, $"x{i}");
                w.Line($"Unsafe.Add(ref dx, {i}) = {(derivative is null ? sum.ToString() : $"{derivative} * ({sum})")};");
            }
        }
        w.Close();
        w.Close();
    }
}
