using System.Linq;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;

namespace Compiled.Nets.Generators.Emit;

/// <summary>
/// The members that freeze layers (every network trained by gradient descent) and that run a network in part or backward
/// from a caller's gradient (IComposableNetwork: <see cref="NetworkPlan.Composition"/>). Reads only the Plan.
/// </summary>
internal static class CompositionEmitter
{
    private const string Guard = "global::Compiled.Nets.CompilerServices.Guard";

    public static void WriteFields(SourceWriter w, NetworkPlan plan)
    {
        var layers = plan.Layers;
        w.Line("/// <summary>Which layers the optimizer updates (Layer.Trainable; Trainable = false in a declaration freezes a layer from the start).</summary>");
        w.Line("private readonly global::Compiled.Nets.CompilerServices.LayerTrainability _trainability = new global::Compiled.Nets.CompilerServices.LayerTrainability(" +
               $"new int[] {{ {string.Join(", ", layers.Select(l => l.WeightOffset))} }}, " +
               $"new int[] {{ {string.Join(", ", layers.Select(l => l.ParameterCount))} }}, " +
               $"new bool[] {{ {string.Join(", ", layers.Select(l => l.Trainable ? "true" : "false"))} }});");
        if (plan.Composition is null) return;
        w.Line("/// <summary>The batch of the last ForwardTraining, whose activations Backward reads; 0 once another training call has replaced them.</summary>");
        w.Line("private int _composedBatch;");
    }

    /// <summary>Trainable, and the update TrainStep and ApplyGradients end with.</summary>
    public static void WriteTrainability(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <summary>True when every layer with parameters trains; setting it freezes or unfreezes them all.</summary>");
        w.Open("public bool Trainable");
        w.Line("get => _trainability.AllTrainable;");
        w.Line("set => _trainability.SetAll(value);");
        w.Close();
        w.Line();
        w.Line("/// <summary>One optimizer step with _gradients: clipped first, then the whole arena, or only the trainable layers' ranges.</summary>");
        w.Open("private void UpdateParameters()");
        w.Line("if (_maxGradientNorm > 0f) global::Compiled.Nets.Optimizers.GradientClipping.ClipByGlobalNorm(_gradients, _maxGradientNorm);");
        w.Line("if (_trainability.AllTrainable) _optimizer.Step(_parameters, _gradients);");
        w.Line("else _optimizer.Step(_parameters, _gradients, _trainability.Ranges);");
        w.Close();
        w.Line();
        w.Line("/// <summary>A GPU steps the whole arena in one kernel: frozen layers are a CPU feature for now.</summary>");
        w.Open("private void RefuseFrozenOnDevice()");
        w.Line("if (_trainability.AllTrainable) return;");
        w.Line($"throw new global::System.NotSupportedException(\"{plan.Type.Name} has frozen layers (Trainable = false), which train on the CPU only: call UseDevice(Device.Cpu), or unfreeze them.\");");
        w.Close();
        w.Line();
    }

    public static void Write(SourceWriter w, NetworkPlan plan, string generatedCode)
    {
        var c = plan.Composition!;
        string name = plan.Type.Name;
        var layers = plan.Layers;
        string input = Offset(c.InputCopy);
        bool tokens = plan.TokenVocabulary > 0;
        bool state = plan.StateCount > 0;

        w.Line("/// <summary>Each layer's buffer (floats per sample into the activation arena; −1: the caller's input), for the partial runs.</summary>");
        w.Line($"private static readonly int[] LayerBufferOffsets = {{ {string.Join(", ", c.LayerBuffers.Select(b => b.IsNetworkInput ? "-1" : Offset(b)))} }};");
        w.Line("/// <summary>Why the layers after each layer cannot start from its outputs (\"\": they can), as the generator found it.</summary>");
        w.Line($"private static readonly string[] StartProblems = {{ {string.Join(", ", c.StartProblems.Select(Literal))} }};");
        w.Line();
        w.Line("/// <summary>The index of one of this network's own layers, or a clear error.</summary>");
        w.Open("private int LayerIndex(global::Compiled.Nets.Layer layer, string parameter)");
        w.Line("if (layer is null) throw new global::System.ArgumentNullException(parameter);");
        w.Line("var layers = _layers ??= CreateLayers();");
        w.Line("for (int i = 0; i < layers.Length; i++) if (ReferenceEquals(layers[i], layer)) return i;");
        w.Line($"throw new global::System.ArgumentException($\"Layer {{layer.Name}} is not a layer of this {name}: pass one of its own (net.{{layer.Name}}).\", parameter);");
        w.Close();
        w.Line();

        // ForwardTo
        w.Line(generatedCode);
        w.Open($"public void ForwardTo(global::Compiled.Nets.Layer layer, {ReadOnlySpan} inputs, {Span} outputs)");
        w.Line("int index = LayerIndex(layer, nameof(layer));");
        w.Line("int width = layer.OutputSize;");
        w.Line($"int count = {Guard}.PartBatch(inputs.Length, outputs.Length, InputSize, width, nameof(inputs), nameof(outputs), \"the network's input\");");
        w.Line(CSharpEmitter.InputCheck(plan, "inputs"));
        w.Line("if (count == 0) return;");
        w.Line("if (LayerBufferOffsets[index] < 0) { inputs.CopyTo(outputs); return; }");
        w.Line("_cuda?.EnsureHostCurrent(); // a partial run is a CPU call: the device's weights come back first");
        w.Line("var work = RentInference(global::System.Math.Min(count, PredictChunk), out int slot);");
        w.Line("int chunk = global::System.Math.Min(work.Capacity, PredictChunk);");
        w.Open("for (int start = 0; start < count; start += chunk)");
        w.Line("int batch = global::System.Math.Min(chunk, count - start);");
        w.Line("RunForward(work, inputs.Slice(start * InputSize, batch * InputSize), batch, training: false, from: 0, to: index);");
        w.Line("work.ActivationsOf(LayerBufferOffsets[index], width, batch).CopyTo(outputs.Slice(start * width));");
        w.Close();
        w.Line("_inference.Return(work, slot);");
        w.Close();
        w.Line();

        // ForwardFrom
        w.Line(generatedCode);
        w.Open($"public void ForwardFrom(global::Compiled.Nets.Layer layer, {ReadOnlySpan} values, {Span} outputs)");
        w.Line("int index = LayerIndex(layer, nameof(layer));");
        w.Line($"if (StartProblems[index].Length > 0) throw new global::System.ArgumentException($\"The layers after {{layer.Name}} cannot run from its outputs alone: {{StartProblems[index]}}. Run the whole network (Predict) instead.\", nameof(layer));");
        w.Line("if (LayerBufferOffsets[index] < 0) { Predict(values, outputs); return; }");
        w.Line("int width = layer.OutputSize;");
        w.Line($"int count = {Guard}.PartBatch(values.Length, outputs.Length, width, OutputSize, nameof(values), nameof(outputs), $\"outputs of {{layer.Name}}\");");
        w.Line($"{Guard}.Finite(values, nameof(values), width);");
        w.Line("if (count == 0) return;");
        w.Line("_cuda?.EnsureHostCurrent();");
        w.Line("var work = RentInference(global::System.Math.Min(count, PredictChunk), out int slot);");
        w.Line("int chunk = global::System.Math.Min(work.Capacity, PredictChunk);");
        w.Open("for (int start = 0; start < count; start += chunk)");
        w.Line("int batch = global::System.Math.Min(chunk, count - start);");
        w.Line("values.Slice(start * width, batch * width).CopyTo(work.ActivationsOf(LayerBufferOffsets[index], width, batch));");
        w.Line("RunForward(work, default, batch, training: false, from: index);");
        w.Line($"work.ActivationsOf({Offset(plan.OutputBuffer)}, OutputSize, batch).CopyTo(outputs.Slice(start * OutputSize));");
        w.Close();
        w.Line("_inference.Return(work, slot);");
        w.Close();
        w.Line();

        string refuseDevice = $"if (_cuda is not null) throw new global::System.NotSupportedException(\"{{0}} runs on the CPU: {name} is on a GPU; call UseDevice(Device.Cpu) first.\");";

        // ForwardTraining
        w.Line(generatedCode);
        w.Open($"public void ForwardTraining({ReadOnlySpan} inputs, {Span} outputs, int batchSize)");
        w.Line("if (batchSize <= 0) throw new global::System.ArgumentOutOfRangeException(nameof(batchSize), batchSize, \"The batch size must be positive.\");");
        w.Line($"{Guard}.Length(inputs.Length, batchSize * InputSize, nameof(inputs), $\"a batch of {{batchSize}} samples of {{InputSize}} values\");");
        w.Line($"{Guard}.Length(outputs.Length, batchSize * OutputSize, nameof(outputs), $\"a batch of {{batchSize}} outputs of {{OutputSize}} values\");");
        w.Line($"{Guard}.BatchLimit(batchSize, MaxBatchSize, ActivationsPerSample);");
        w.Line(CSharpEmitter.InputCheck(plan, "inputs"));
        w.Line(string.Format(refuseDevice, "ForwardTraining"));
        w.Line("var work = TrainingWorkspace(batchSize);");
        if (state) w.Line("SaveState();");
        w.Line("RunForward(work, inputs, batchSize, training: true);");
        if (state) w.Line("RefuseNonFiniteState(0f, batchSize);");
        w.Line($"inputs.CopyTo(work.ActivationsOf({input}, InputSize, batchSize)); // what the backward pass reads as x");
        w.Line($"work.ActivationsOf({Offset(plan.OutputBuffer)}, OutputSize, batchSize).CopyTo(outputs);");
        w.Line("_composedBatch = batchSize;");
        w.Close();
        w.Line();

        // Backward
        string penalty = plan.Regularization.IsEmpty ? "" : "if (!accumulate) AddPenaltyGradients();";
        w.Line(generatedCode);
        w.Open($"public void Backward({ReadOnlySpan} outputGradient, {Span} inputGradient = default, bool accumulate = false)");
        w.Line("int batch = _composedBatch;");
        w.Line("if (batch == 0) throw new global::System.InvalidOperationException(\"Backward needs the activations of a ForwardTraining call just before it; none was made, or another training call has replaced them since.\");");
        w.Line($"{Guard}.Length(outputGradient.Length, batch * OutputSize, nameof(outputGradient), $\"the gradient at the {{batch}} outputs of the last ForwardTraining\");");
        if (tokens)
            w.Line("if (!inputGradient.IsEmpty) throw new global::System.ArgumentException(\"The inputs are token ids, which have no gradient: pass an empty inputGradient.\", nameof(inputGradient));");
        else
            w.Line($"if (!inputGradient.IsEmpty) {Guard}.Length(inputGradient.Length, batch * InputSize, nameof(inputGradient), $\"the gradient at the {{batch}} inputs of the last ForwardTraining\");");
        w.Line($"{Guard}.Finite(outputGradient, nameof(outputGradient), OutputSize);");
        w.Line(string.Format(refuseDevice, "Backward"));
        w.Line("var work = _work;");
        w.Line("RunOutputGradient(work, outputGradient, batch);");
        w.Line("// Into the spare array (holding the current gradients when accumulating), so a refused pass leaves Gradients as they were.");
        w.Line("BeginGradients();");
        w.Line("if (accumulate) global::System.Array.Copy(_spareGradients, _gradients, _gradients.Length);");
        w.Line("RunCompositionBackward(work, batch, clear: !accumulate);");
        if (penalty.Length > 0) w.Line(penalty);
        w.Line("int bad = global::Compiled.Nets.CompilerServices.Guard.FirstNonFinite(_gradients);");
        w.Open("if (bad >= 0)");
        w.Line("float value = _gradients[bad];");
        w.Line("(_gradients, _spareGradients) = (_spareGradients, _gradients);");
        w.Line("throw NonFiniteGradient(bad, value, batch);");
        w.Close();
        if (c.WritesInputGradient)
            w.Line($"if (!inputGradient.IsEmpty) work.DeltasOf({input}, InputSize, batch).CopyTo(inputGradient);");
        else if (!tokens)
            w.Line("inputGradient.Clear(); // no gradient reaches the input");
        w.Close();
        w.Line();

        // InputGradient
        w.Line(generatedCode);
        w.Open($"public float InputGradient({ReadOnlySpan} inputs, {ReadOnlySpan} targets, int batchSize, {Span} inputGradient)");
        w.Line("ValidateBatch(inputs, targets, batchSize, default);");
        if (tokens)
            w.Line("throw new global::System.NotSupportedException(\"The inputs are token ids, which have no gradient.\");");
        else
        {
            w.Line($"{Guard}.Length(inputGradient.Length, batchSize * InputSize, nameof(inputGradient), $\"the gradient at a batch of {{batchSize}} inputs\");");
            w.Line(string.Format(refuseDevice, "InputGradient"));
            w.Line("var work = TrainingWorkspace(batchSize);");
            w.Line("float loss = ForwardAndLoss(work, inputs, targets, batchSize, default);");
            w.Line($"inputs.CopyTo(work.ActivationsOf({input}, InputSize, batchSize));");
            w.Line("// The parameter gradients go to the spare array and are dropped: Gradients and the parameters stay as they were.");
            w.Line("(_gradients, _spareGradients) = (_spareGradients, _gradients);");
            w.Line("try { RunCompositionBackward(work, batchSize, clear: true); }");
            w.Line("finally { (_gradients, _spareGradients) = (_spareGradients, _gradients); }");
            if (c.WritesInputGradient)
            {
                w.Line($"var gradient = work.DeltasOf({input}, InputSize, batchSize);");
                w.Line("int bad = global::Compiled.Nets.CompilerServices.Guard.FirstNonFinite(gradient);");
                w.Open("if (bad >= 0)");
                if (state) w.Line("RestoreState();");
                w.Line($"throw new global::System.ArithmeticException($\"The input gradient is {{gradient[bad]}} at element {{bad % InputSize}} of sample {{bad / InputSize}}; nothing changed. Lower the learning rate or scale the inputs.\");");
                w.Close();
                w.Line("gradient.CopyTo(inputGradient);");
            }
            else w.Line("inputGradient.Clear(); // no gradient reaches the input");
            w.Line("return loss;");
        }
        w.Close();
        w.Line();

        // AddGradients
        w.Line(generatedCode);
        w.Open($"public float AddGradients({ReadOnlySpan} inputs, {ReadOnlySpan} targets, int batchSize)");
        w.Line("ValidateBatch(inputs, targets, batchSize, default);");
        w.Line(string.Format(refuseDevice, "AddGradients"));
        w.Line("var work = TrainingWorkspace(batchSize);");
        w.Line("float loss = ForwardAndLoss(work, inputs, targets, batchSize, default);");
        w.Line($"inputs.CopyTo(work.ActivationsOf({input}, InputSize, batchSize));");
        w.Line("// Into the spare array holding a copy of the current gradients, so a refused pass leaves Gradients as they were.");
        w.Line("BeginGradients();");
        w.Line("global::System.Array.Copy(_spareGradients, _gradients, _gradients.Length);");
        w.Line("RunCompositionBackward(work, batchSize, clear: false);");
        w.Line("RefuseNonFiniteGradients(batchSize);");
        w.Line("return loss;");
        w.Close();
        w.Line();

        // ApplyGradients
        w.Line(generatedCode);
        w.Open("public void ApplyGradients()");
        w.Line(string.Format(refuseDevice, "ApplyGradients"));
        w.Line("UpdateParameters();");
        w.Line("_stepCount++;");
        w.Close();
        w.Line();

        WriteOutputGradient(w, plan);
        w.Line("/// <summary>The backward pass with the input in a buffer of its own, so the gradient reaches it (after RunOutputGradient or RunLoss).</summary>");
        w.Open("private void RunCompositionBackward(Workspace work, int batch, bool clear)");
        w.Line("global::System.Diagnostics.Debug.Assert(batch > 0 && batch <= work.Capacity);");
        w.Line("if (clear) global::System.Array.Clear(_gradients);");
        w.Line("int capacity = work.Capacity;");
        w.Line($"{ReadOnlySpan} inputs = work.ActivationsOf({input}, InputSize, batch);");
        foreach (var op in c.BackwardOps) op.WriteCSharp(w);
        w.Close();
        w.Line();
    }

    /// <summary>What the loss would write into the output's delta had its ∂L/∂y been the caller's gradient.</summary>
    private static void WriteOutputGradient(SourceWriter w, NetworkPlan plan)
    {
        var loss = plan.LossOp!;
        int width = loss.Output.Width;
        w.Line("/// <summary>The output's delta from a caller's ∂L/∂y, as the backward pass expects it (the loss's own fusion undone).</summary>");
        w.Open($"private void RunOutputGradient(Workspace work, {ReadOnlySpan} gradient, int batch)");
        w.Line($"var outputs = {Activations(loss.Output, width)};");
        w.Line($"var delta = {Deltas(loss.Output, width)};");
        switch (loss.Fusion)
        {
            case LossFusion.SoftmaxCrossEntropyOnProbabilities:
                int row = loss.Steps > 1 ? width / loss.Steps : width;
                w.Line("// A softmax output: its Jacobian, y ⊙ (g − Σ g·y) per row.");
                w.Line($"{Kernels}OutputGradientKernels.Softmax(outputs, gradient, delta, {row});");
                break;
            case LossFusion.BinaryCrossEntropyLogistic:
                w.Line("// A logistic output: g ⊙ k y (1 − y).");
                w.Line($"{Kernels}OutputGradientKernels.Elementwise(outputs, gradient, delta, {ActivationStruct(new ActivationPlan(ActivationKind.Logistic, loss.LogisticSlope))});");
                break;
            default:
                w.Line($"{Kernels}OutputGradientKernels.Elementwise(outputs, gradient, delta, {ActivationStruct(loss.Derivative)});");
                break;
        }
        w.Close();
        w.Line();
    }
}
