using System;
using System.Globalization;
using System.Linq;
using System.Text;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Emit;

/// <summary>The pieces of emitted C# that the shell and every family's op writers share.</summary>
internal static class CSharpCode
{
    public const string Kernels = "global::Compiled.Nets.CompilerServices.";
    public const string Span = "global::System.Span<float>";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";

    public static void WriteLoadLocals(SourceWriter w, string prefix, string source, int count)
    {
        const int perLine = 8;
        for (int start = 0; start < count; start += perLine)
        {
            var parts = Enumerable.Range(start, Math.Min(perLine, count - start))
                .Select(i => $"{prefix}{i} = {(i == 0 ? source : $"Unsafe.Add(ref {source}, {i})")}");
            w.Line("float " + string.Join(", ", parts) + ";");
        }
    }

    /// <summary>The first row of a buffer: the caller's input span or a region of an arena.</summary>
    public static string RowBase(BufferRef buffer, string arena, string inputs) =>
        buffer.IsNetworkInput
            ? $"MemoryMarshal.GetReference({inputs})"
            : buffer.Offset == 0
                ? $"MemoryMarshal.GetArrayDataReference({arena})"
                : $"Unsafe.Add(ref MemoryMarshal.GetArrayDataReference({arena}), {Offset(buffer)} * capacity)";

    /// <summary>A buffer's offset (floats per sample) as the emitted code names it: its constant in the Buffers class.</summary>
    public static string Offset(BufferRef buffer) => buffer.Name.Length > 0 ? $"Buffers.{buffer.Name}" : buffer.Offset.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The working memory of the call being run: every pass takes it as its <c>work</c> parameter, so inference on
    /// several threads at once gives each thread its own arenas while the weights are shared.
    /// </summary>
    public const string ActivationArena = "work.Activations";
    public const string DeltaArena = "work.Deltas";
    public const string ConvolutionScratch = "work.ConvScratch";

    public static string Activations(BufferRef buffer) => Activations(buffer, buffer.Width);

    public static string Activations(BufferRef buffer, int width) => $"work.ActivationsOf({Offset(buffer)}, {width}, batch)";

    public static string Deltas(BufferRef buffer) => Deltas(buffer, buffer.Width);

    public static string Deltas(BufferRef buffer, int width) => $"work.DeltasOf({Offset(buffer)}, {width}, batch)";

    /// <summary>A buffer as a forward op reads it: the caller's input span or the activation arena.</summary>
    public static string ActivationSource(BufferRef buffer, string inputs = "inputs") =>
        buffer.IsNetworkInput ? inputs : Activations(buffer);

    /// <summary>A stateful layer's carried state for the samples of the call being run.</summary>
    public static string Carried(CarriedStatePlan state) => $"CarriedState(ref {state.Field}, {state.Width}, batch)";

    /// <summary>Max pooling's switches: ints kept in a float buffer.</summary>
    public static string Switches(BufferRef buffer) => $"MemoryMarshal.Cast<float, int>({Activations(buffer)})";

    public static string DerivativeNote(ActivationPlan derivative) =>
        derivative.Kind == ActivationKind.Linear ? "" : $", times the {Describe(derivative)} derivative";

    public static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string ActivationStruct(ActivationPlan activation) => activation.Kind switch
    {
        ActivationKind.Logistic => $"new {Kernels}LogisticActivation({Float(activation.Slope)})",
        ActivationKind.LeakyReLU => $"new {Kernels}LeakyReLUActivation({Float(activation.Slope)})",
        ActivationKind.Softmax => $"default({Kernels}LinearActivation)",
        _ => $"default({Kernels}{activation.Kind}Activation)",
    };

    public static string ScalarApply(ActivationPlan activation, string z) => activation.Kind switch
    {
        ActivationKind.Linear or ActivationKind.Softmax => z,
        ActivationKind.Tanh => $"global::System.MathF.Tanh({z})",
        ActivationKind.ReLU => $"global::System.MathF.Max({z}, 0f)",
        ActivationKind.Logistic when activation.Slope == 1f => $"1f / (1f + global::System.MathF.Exp(-({z})))",
        ActivationKind.Logistic => $"1f / (1f + global::System.MathF.Exp({Float(-activation.Slope)} * ({z})))",
        _ => $"{ActivationStruct(activation)}.Apply({z})",
    };

    /// <summary>f′ written through the output y, or null when it is 1.</summary>
    public static string? ScalarDerivative(ActivationPlan activation, string y) => activation.Kind switch
    {
        ActivationKind.Linear or ActivationKind.Softmax => null,
        ActivationKind.Tanh => $"(1f - {y} * {y})",
        ActivationKind.ReLU => $"({y} > 0f ? 1f : 0f)",
        ActivationKind.Logistic => $"({Float(activation.Slope)} * {y} * (1f - {y}))",
        _ => $"{ActivationStruct(activation)}.Derivative({y})",
    };

    public static string Float(float value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text + "f";
    }

    public static string Describe(ActivationPlan activation) => activation.Kind switch
    {
        ActivationKind.Logistic when activation.Slope != 1f => $"logistic (k = {activation.Slope.ToString("R", CultureInfo.InvariantCulture)})",
        ActivationKind.LeakyReLU => $"leaky ReLU (α = {activation.Slope.ToString("R", CultureInfo.InvariantCulture)})",
        _ => activation.Kind.Describe(),
    };

    public static string Describe(InitializationKind kind) => kind switch
    {
        InitializationKind.ScaledNormal => "scaled normal N(0, 1/√fan_in)",
        InitializationKind.GlorotNormal => "Glorot normal",
        InitializationKind.HeUniform => "He uniform",
        InitializationKind.HeNormal => "He normal",
        InitializationKind.DcganNormal => "DCGAN normal N(0, 0.02²)",
        _ => "Glorot uniform",
    };

    /// <summary>"new Conv2DShape(…)": a convolution's geometry as the runtime kernels take it.</summary>
    /// <summary>A convolution's Conv2DShape, with the algorithm lowering chose for it (the runtime follows it).</summary>
    public static string ConvShape(Window2D c, ConvAlgorithmKind algorithm) =>
        $"new {Kernels}Conv2DShape({c.InChannels}, {c.InHeight}, {c.InWidth}, {c.OutChannels}, {c.KernelHeight}, {c.KernelWidth}, {c.StrideHeight}, {c.StrideWidth}, {c.PadHeight}, {c.PadWidth}, {c.Groups}, {Kernels}ConvAlgorithm.{algorithm})";

    public static string ConvShape(ConvolutionCall call) => ConvShape(call.Window, call.Algorithm);

    public static string PoolShape(Window2D c) =>
        $"new {Kernels}Pool2DShape({c.InChannels}, {c.InHeight}, {c.InWidth}, {c.KernelHeight}, {c.KernelWidth}, {c.StrideHeight}, {c.StrideWidth}, {c.PadHeight}, {c.PadWidth})";

    /// <summary>A window's size as the docs write it: "5" for a 1-D window, "5×5" otherwise.</summary>
    public static string KernelText(Window2D window, bool oneDimensional) =>
        window.KernelHeight == 1 && oneDimensional ? $"{window.KernelWidth}" : $"{window.KernelHeight}×{window.KernelWidth}";

    public static string StrideText(Window2D window) =>
        (window.StrideWidth == 1 ? "" : $", stride {window.StrideWidth}") + (window.PadWidth == 0 ? "" : $", padding {window.PadWidth}");

    /// <summary>A value per channel per sample: no argument for 1, else ", plane".</summary>
    public static string PlaneArgument(int plane) => plane == 1 ? "" : $", {plane}";

    public static string Literal(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (char c in text)
        {
            switch (c)
            {
                case '\\': builder.Append("\\\\"); break;
                case '"': builder.Append("\\\""); break;
                case '\n': builder.Append("\\n"); break;
                default: builder.Append(c); break;
            }
        }
        return builder.Append('"').ToString();
    }

    public static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}

internal static class InitializationCode
{
    /// <summary>Weights drawn by the layer's initialisation with PyTorch's fans, biases set to their initial value.</summary>
    public static void WriteFill(SourceWriter w, string layer, InitializationKind initialization, float biasInitialValue,
        int weightOffset, int weightCount, int fanIn, int fanOut, int biasOffset, int biasCount)
    {
        w.Line($"// {layer}: {CSharpCode.Describe(initialization)} weights (fan in {fanIn}, fan out {fanOut}); biases {CSharpCode.Number(biasInitialValue)}.");
        w.Line($"global::Compiled.Nets.CompilerServices.Initializers.Fill(new {CSharpCode.Span}(_parameters, {weightOffset}, {weightCount}), " +
               $"global::Compiled.Nets.Initialization.{initialization}, {fanIn}, {fanOut}, random);");
        if (biasInitialValue != 0f)
            w.Line($"new {CSharpCode.Span}(_parameters, {biasOffset}, {biasCount}).Fill({CSharpCode.Float(biasInitialValue)});");
    }
}
