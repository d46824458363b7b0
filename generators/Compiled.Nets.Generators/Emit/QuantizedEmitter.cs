using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;

namespace Compiled.Nets.Generators.Emit;

/// <summary>Names the int8 model's emitted code shares with the families' steps.</summary>
internal static class QuantizedCode
{
    public const string Quantization = "global::Compiled.Nets.Quantization.";

    /// <summary>The field of a layer's quantised weights.</summary>
    public static string Field(string layer) => "_weights" + layer;
}

/// <summary>
/// The int8 inference model of a network: <c>Quantize(calibrationInputs, sampleCount)</c> on the network and the nested
/// <c>Quantized</c> class it returns, with the level buffers' layout, the calibration and one call per step baked in.
/// Reads only the Plan: each forward op gives its step (<see cref="OpPlan.Quantized"/>); a network with an op that has
/// none gets a <c>Quantize</c> marked obsolete (a compiler warning where it is called) that throws NotSupportedException.
/// </summary>
internal static class QuantizedEmitter
{
    private sealed class Layout : QuantizedContext
    {
        public readonly List<QuantizedStep> Steps = new();
        /// <summary>Level buffers by arena offset (−1: the network's input), in order: name, width, byte offset.</summary>
        public readonly List<(int Offset, string Name, int Width, int Bytes)> Buffers = new();
        /// <summary>Quantisation field by buffer offset (a kept quantisation maps to its input's field).</summary>
        public readonly Dictionary<int, string> QuantizationFields = new();
        /// <summary>Calibrated buffers, in tensor order, with the float buffer of the network they are observed in.</summary>
        public readonly List<(string Field, BufferRef Source)> Calibrated = new();
        public int BytesPerSample;
        public int FloatOutput = int.MinValue;

        public string Levels(BufferRef buffer)
        {
            var entry = Buffers.First(b => b.Offset == buffer.Offset);
            return $"levels.Slice(Offsets.{entry.Name}, {Padded(entry.Width)})";
        }

        public string Quantization(BufferRef buffer) => QuantizationFields[buffer.Offset];
        public bool IsFloatOutput(BufferRef buffer) => buffer.Offset == FloatOutput;

        public void AddLevels(BufferRef buffer, string? keptField)
        {
            string name = buffer.IsNetworkInput ? "Input" : buffer.Name;
            Buffers.Add((buffer.Offset, name, buffer.Width, BytesPerSample));
            BytesPerSample += Padded(buffer.Width);
            if (keptField is not null) QuantizationFields[buffer.Offset] = keptField;
            else
            {
                string field = "_quantization" + name;
                QuantizationFields[buffer.Offset] = field;
                Calibrated.Add((field, buffer));
            }
        }
    }

    private static int Padded(int width) => (width + 31) / 32 * 32;

    /// <summary>The layout, or null with the reason the network has no int8 form.</summary>
    private static Layout? Plan(NetworkPlan plan, out string reason)
    {
        var layout = new Layout();
        reason = "";
        foreach (var op in plan.ForwardOps)
        {
            var step = op.Quantized;
            if (step is null)
            {
                reason = $"layer {op.Layer} has no int8 form (Quantize supports Dense outside sequences, Conv2D without groups, max pooling, Flatten, Dropout and softmax; no recurrent layers yet)";
                return null;
            }
            layout.Steps.Add(step);
        }
        if (layout.Steps.Count == 0) { reason = "the network has no layer to run"; return null; }

        int output = plan.OutputBuffer.Offset;
        var lastWriter = layout.Steps.LastOrDefault(s => !s.WorksOnFloats && s.Output.Offset == output);
        if (lastWriter is { CanWriteFloats: true } && !layout.Steps.Any(s => !s.WorksOnFloats && s.Input.Offset == output))
            layout.FloatOutput = output;

        var input = layout.Steps[0].Input;
        if (!input.IsNetworkInput) { reason = "its first op does not read the network's input"; return null; }
        layout.AddLevels(input, keptField: null);
        foreach (var step in layout.Steps)
        {
            if (step.WorksOnFloats)
            {
                if (!layout.IsFloatOutput(step.Input)) { reason = $"layer {step.Layer}'s softmax is not on the network's output"; return null; }
                continue;
            }
            if (!layout.QuantizationFields.ContainsKey(step.Input.Offset)) { reason = $"layer {step.Layer} reads a tensor the int8 model does not keep"; return null; }
            if (layout.IsFloatOutput(step.Output)) continue;
            if (layout.QuantizationFields.ContainsKey(step.Output.Offset)) { reason = $"layer {step.Layer} writes a tensor twice"; return null; }
            layout.AddLevels(step.Output, step.KeepsQuantization ? layout.Quantization(step.Input) : null);
        }
        return layout;
    }

    public static void Write(SourceWriter w, NetworkPlan plan, string generatedCode)
    {
        var layout = Plan(plan, out string reason);
        if (layout is null)
        {
            WriteUnavailable(w, plan, reason, generatedCode);
            return;
        }
        string name = plan.Type.Name;
        WriteQuantize(w, generatedCode);

        w.Line("/// <summary>");
        w.Line($"/// The int8 inference form of {name}, made by <see cref=\"Quantize(global::System.ReadOnlySpan{{float}}, int)\"/>: weights as int8 with one");
        w.Line("/// scale per output channel, activations as 7-bit levels with one scale and zero point per tensor (from the calibration");
        w.Line("/// samples' ranges), int32 dot products (AVX-VNNI, AVX2, ARM SDOT or 128-bit vectors, else scalar), bias, activation and");
        w.Line("/// rescaling in float, the last layer and softmax in float. A snapshot: later training of the network does not change it.");
        w.Line("/// Forward and Predict allocate nothing and may run on many threads at once (each thread rents its own buffers).");
        w.Line("/// </summary>");
        w.Open($"public sealed class Quantized : {QuantizedCode.Quantization}IQuantizedNetwork");
        w.Line("/// <summary>Values in one input sample.</summary>");
        w.Line($"public const int InputSize = {plan.InputSize};");
        w.Line("/// <summary>Values in one output sample.</summary>");
        w.Line($"public const int OutputSize = {plan.OutputSize};");
        w.Line("/// <summary>Where each tensor's levels start in one sample's bytes; each row is padded to 32 bytes (the padding stays 0).</summary>");
        w.Open("private static class Offsets");
        foreach (var b in layout.Buffers) w.Line($"public const int {b.Name} = {b.Bytes}; // {b.Width} levels");
        w.Line($"public const int Length = {layout.BytesPerSample};");
        w.Close();
        var sums = layout.Steps.Select(s => s.SumsLength).Where(s => s is not null).Distinct().ToList();
        var workspaces = layout.Steps.Select(s => s.WorkspaceLength).Where(s => s is not null).Distinct().ToList();
        w.Line($"private static readonly int SumsLength = {MaxOf(sums!)};");
        w.Line($"private static readonly int WorkspaceLength = {MaxOf(workspaces!)};");
        w.Line();
        foreach (var field in layout.Calibrated.Select(c => c.Field))
            w.Line($"private readonly {QuantizedCode.Quantization}ActivationQuantization {field};");
        var weighted = layout.Steps.Where(s => s.WeightField is not null).ToList();
        foreach (var step in weighted)
            w.Line($"private readonly {QuantizedCode.Quantization}QuantizedLinear {step.WeightField};");
        w.Line($"private readonly {QuantizedCode.Quantization}QuantizedLinear[] _layers;");
        w.Line("private readonly global::Compiled.Nets.CompilerServices.WorkspacePool<Scratch> _scratch = new global::Compiled.Nets.CompilerServices.WorkspacePool<Scratch>();");
        w.Line();
        w.Line("/// <summary>One call's working memory: every tensor's levels for one sample, the int32 sums and the convolution workspace.</summary>");
        w.Open("private sealed class Scratch");
        w.Line("public readonly byte[] Levels = new byte[Offsets.Length];");
        w.Line("public readonly int[] Sums = new int[SumsLength];");
        w.Line("public readonly byte[] Workspace = new byte[WorkspaceLength];");
        w.Close();
        w.Line();

        // Construction: calibrate on the float network, then quantise the weights.
        w.Line("/// <summary>Runs the float network on the calibration samples (checked by Quantize), takes each tensor's range, and quantises the weights.</summary>");
        w.Line(generatedCode);
        w.Open($"internal Quantized({name} network, {ReadOnlySpan} inputs, int count)");
        w.Line($"var calibration = new {QuantizedCode.Quantization}Calibration({layout.Calibrated.Count});");
        w.Line("var work = new Workspace(global::System.Math.Min(count, PredictChunk), training: false);");
        w.Open("for (int start = 0; start < count; start += work.Capacity)");
        w.Line("int batch = global::System.Math.Min(work.Capacity, count - start);");
        w.Line("var chunk = inputs.Slice(start * InputSize, batch * InputSize);");
        w.Line("network.RunForward(work, chunk, batch, training: false);");
        for (int i = 0; i < layout.Calibrated.Count; i++)
        {
            var source = layout.Calibrated[i].Source;
            w.Line($"calibration.Observe({i}, {(source.IsNetworkInput ? "chunk" : Activations(source))});");
        }
        w.Close();
        for (int i = 0; i < layout.Calibrated.Count; i++)
            w.Line($"{layout.Calibrated[i].Field} = calibration.Result({i});");
        foreach (var step in layout.Steps) step.WriteCreate(w, layout);
        w.Line($"_layers = new {QuantizedCode.Quantization}QuantizedLinear[] {{ {string.Join(", ", weighted.Select(s => s.WeightField))} }};");
        w.Close();
        w.Line();

        w.Line("public int InputLength => InputSize;");
        w.Line("public int OutputLength => OutputSize;");
        w.Line("/// <summary>The dense and convolution layers' quantised weights, scales and input and output quantisations, in order.</summary>");
        w.Line($"public global::System.Collections.Generic.IReadOnlyList<{QuantizedCode.Quantization}QuantizedLinear> Layers => _layers;");
        w.Line("/// <summary>The network input's quantisation.</summary>");
        w.Line($"public {QuantizedCode.Quantization}ActivationQuantization InputQuantization => {layout.Quantization(layout.Steps[0].Input)};");
        w.Line("/// <summary>The dot-product form this CPU runs.</summary>");
        w.Line($"public {QuantizedCode.Quantization}Int8Path Path => global::Compiled.Nets.CompilerServices.Int8Kernels.BestPath;");
        w.Line();
        w.Line(generatedCode);
        w.Open($"public void Forward({ReadOnlySpan} input, {Span} output)");
        w.Line("global::Compiled.Nets.CompilerServices.Guard.Length(input.Length, InputSize, nameof(input), \"one input sample\");");
        w.Line("global::Compiled.Nets.CompilerServices.Guard.Length(output.Length, OutputSize, nameof(output), \"one output sample\");");
        w.Line("global::Compiled.Nets.CompilerServices.Guard.Finite(input, nameof(input), InputSize);");
        w.Line("var scratch = _scratch.Rent(out int slot) ?? new Scratch();");
        w.Line("Run(scratch, input, output);");
        w.Line("_scratch.Return(scratch, slot);");
        w.Close();
        w.Line();
        w.Line("/// <summary>A batch, rows of InputSize values, one sample at a time.</summary>");
        w.Line(generatedCode);
        w.Open($"public void Predict({ReadOnlySpan} inputs, {Span} outputs)");
        w.Line("int count = global::Compiled.Nets.CompilerServices.Guard.PredictBatch(inputs.Length, outputs.Length, InputSize, OutputSize);");
        w.Line("global::Compiled.Nets.CompilerServices.Guard.Finite(inputs, nameof(inputs), InputSize);");
        w.Line("if (count == 0) return;");
        w.Line("var scratch = _scratch.Rent(out int slot) ?? new Scratch();");
        w.Line("for (int i = 0; i < count; i++) Run(scratch, inputs.Slice(i * InputSize, InputSize), outputs.Slice(i * OutputSize, OutputSize));");
        w.Line("_scratch.Return(scratch, slot);");
        w.Close();
        w.Line();
        w.Line("/// <summary>One sample through every step (arguments checked by the caller).</summary>");
        w.Open($"private void Run(Scratch scratch, {ReadOnlySpan} input, {Span} output)");
        w.Line("var levels = new global::System.Span<byte>(scratch.Levels);");
        w.Line("var sums = new global::System.Span<int>(scratch.Sums);");
        w.Line("var workspace = new global::System.Span<byte>(scratch.Workspace);");
        var first = layout.Steps[0].Input;
        w.Line($"// The input: {first.Width} values to levels ({layout.Quantization(first)}).");
        w.Line($"global::Compiled.Nets.CompilerServices.Int8Kernels.Quantize(input, {layout.Levels(first)}, {layout.Quantization(first)});");
        foreach (var step in layout.Steps) step.WriteForward(w, layout);
        if (layout.FloatOutput == int.MinValue)
        {
            w.Line("// The output's levels back to floats.");
            w.Line($"global::Compiled.Nets.CompilerServices.Int8Kernels.Dequantize({layout.Levels(plan.OutputBuffer)}, output, {layout.Quantization(plan.OutputBuffer)});");
        }
        w.Close();
        w.Close();
        w.Line();
    }

    private static string MaxOf(IReadOnlyList<string> values) =>
        values.Count == 0 ? "1" : values.Skip(1).Aggregate(values[0], (acc, v) => $"global::System.Math.Max({acc}, {v})");

    private static void WriteQuantize(SourceWriter w, string generatedCode)
    {
        w.Line("/// <summary>");
        w.Line("/// An int8 inference model of the network as it is now, calibrated on the first <paramref name=\"sampleCount\"/> rows of");
        w.Line("/// <paramref name=\"calibrationInputs\"/> (a few hundred training samples are typical). Throws before anything is made when");
        w.Line("/// the count is not positive, the rows do not hold that many samples, or a value is NaN or infinite.");
        w.Line("/// </summary>");
        w.Line(generatedCode);
        w.Open($"public Quantized Quantize({ReadOnlySpan} calibrationInputs, int sampleCount)");
        w.Line($"global::Compiled.Nets.CompilerServices.QuantizationGuard.Calibration(calibrationInputs.Length, sampleCount, InputSize);");
        w.Line("var calibration = calibrationInputs.Slice(0, sampleCount * InputSize);");
        w.Line("global::Compiled.Nets.CompilerServices.Guard.Finite(calibration, nameof(calibrationInputs), InputSize);");
        w.Line("_cuda?.EnsureHostCurrent();");
        w.Line("return new Quantized(this, calibration, sampleCount);");
        w.Close();
        w.Line();
        w.Line("/// <summary>An int8 inference model calibrated on every row of <paramref name=\"calibrationInputs\"/>.</summary>");
        w.Line(generatedCode);
        w.Line($"public Quantized Quantize({ReadOnlySpan} calibrationInputs) => Quantize(calibrationInputs, global::Compiled.Nets.CompilerServices.QuantizationGuard.Rows(calibrationInputs.Length, InputSize));");
        w.Line();
    }

    private static void WriteUnavailable(SourceWriter w, NetworkPlan plan, string reason, string generatedCode)
    {
        string message = $"{plan.Type.Name} cannot be quantised: {reason}.";
        w.Line($"/// <summary>Not available: {Escape(message)}</summary>");
        w.Line($"[global::System.Obsolete({Literal(message)})]");
        w.Line(generatedCode);
        w.Line($"public {QuantizedCode.Quantization}IQuantizedNetwork Quantize({ReadOnlySpan} calibrationInputs, int sampleCount) => throw new global::System.NotSupportedException({Literal(message)});");
        w.Line();
    }
}
