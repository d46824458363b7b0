using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Emit;

/// <summary>
/// The CUDA building blocks (kernels/*.cuh, embedded in the generator). Each op names the blocks its kernels call
/// (<see cref="OpPlan.CudaBlocks"/>); the emitter adds the blocks those include and writes only these, in dependency order.
/// </summary>
internal static class CudaBlock
{
    public const string Activations = "activations.cuh";
    public const string Reduce = "reduce.cuh";
    public const string Dense = "dense.cuh";
    public const string Softmax = "softmax.cuh";
    public const string Losses = "losses.cuh";
    public const string Layers = "layers.cuh";
    public const string Conv = "conv.cuh";
    public const string Pool = "pool.cuh";
    public const string Optimizers = "optimizers.cuh";
    public const string Recurrent = "recurrent.cuh";
    public const string Normalization = "normalization.cuh";
    public const string Hopfield = "hopfield.cuh";

    /// <summary>Every block, in an order where each comes after the blocks it includes.</summary>
    public static readonly string[] All = { Activations, Reduce, Dense, Softmax, Losses, Layers, Conv, Pool, Optimizers, Recurrent, Normalization, Hopfield };
}

/// <summary>One kernel launch: grid and block sizes as C# expressions of <c>batch</c> (the batch capacity).</summary>
internal sealed record CudaLaunchSpec(string Kernel, string GridX, string GridY, int BlockX, int BlockY, string SharedBytes);

/// <summary>
/// A network's CUDA translation unit while it is written: the kernels so far, the launch sequences, and scratch
/// reserved beyond the fixed part. Each op adds its kernels and launches (<see cref="OpPlan.WriteCuda"/>).
/// </summary>
internal sealed class CudaProgramBuilder
{
    private readonly StringBuilder _kernels = new();
    private readonly int _scratchFixed;
    private readonly List<string> _partialTerms = new();

    public CudaProgramBuilder(int scratchFixed) => _scratchFixed = scratchFixed;

    public List<CudaLaunchSpec> Inference { get; } = new();
    public List<CudaLaunchSpec> Training { get; } = new();
    public List<CudaLaunchSpec> Loss { get; } = new();
    public List<CudaLaunchSpec> Backward { get; } = new();

    public string KernelSource => _kernels.ToString();

    /// <summary>The scratch arena's length as a C# expression of batch.</summary>
    public string ScratchLength => _partialTerms.Count == 0
        ? _scratchFixed.ToString(CultureInfo.InvariantCulture)
        : $"{_scratchFixed} + {string.Join(" + ", _partialTerms)}";

    /// <summary>Scratch beyond the fixed part, reserved in launch order; <paramref name="length"/> is a C# expression of batch.</summary>
    public string ReserveScratch(string length)
    {
        string at = $"Z + {_scratchFixed}" + (_partialTerms.Count == 0 ? "" : " + " + string.Join(" + ", _partialTerms.Select(t => t.Replace("batch", "CN_BATCH"))));
        _partialTerms.Add(length);
        return at;
    }

    public void Kernel(string name, string comment, string body)
    {
        _kernels.Append("// ").Append(comment).Append('\n');
        _kernels.Append("extern \"C\" __global__ void ").Append(name).Append("(CN_ARENAS)\n{\n    ").Append(body).Append("\n}\nCN_ENTRY(").Append(name).Append(")\n\n");
    }

    /// <summary>A forward launch that runs both at inference and while training.</summary>
    public void Forward(CudaLaunchSpec launch)
    {
        Inference.Add(launch);
        Training.Add(launch);
    }
}

/// <summary>The pieces of emitted CUDA C that the shell and every family's op writers share.</summary>
internal static class CudaCode
{
    public const int Tile = 16;
    public const int RowThreads = 32;
    public const int ElementThreads = 256;
    public const int ReduceThreads = 128;

    public static string PlaneArgument(int plane) => plane == 1 ? "" : $", {plane}";

    public static string ConvArguments(Window2D c) =>
        $"{c.InChannels}, {c.InHeight}, {c.InWidth}, {c.OutChannels}, {c.KernelHeight}, {c.KernelWidth}, {c.StrideHeight}, {c.StrideWidth}, {c.PadHeight}, {c.PadWidth}, {c.Groups}";

    public static string PoolArguments(Window2D c) =>
        $"{c.InChannels}, {c.InHeight}, {c.InWidth}, {c.KernelHeight}, {c.KernelWidth}, {c.StrideHeight}, {c.StrideWidth}, {c.PadHeight}, {c.PadWidth}";

    /// <summary>Blocks of <see cref="ElementThreads"/> over batch·perSample values.</summary>
    public static string Elements(int perSample) => $"(batch * {perSample} + {ElementThreads - 1}) / {ElementThreads}";

    public static CudaLaunchSpec ElementLaunch(string name, int perSample) => new(name, Elements(perSample), "1", ElementThreads, 1, "0");

    public static string Switches(BufferRef buffer) => $"reinterpret_cast<int*>({Buffer(buffer, "A")})";

    public static string Ceil(int value, int by) => ((value + by - 1) / by).ToString(CultureInfo.InvariantCulture);

    public static string Buffer(BufferRef buffer, string arena) =>
        buffer.Offset == 0 ? arena : $"{arena} + {buffer.Offset} * CN_BATCH";

    public static string Source(BufferRef buffer, string arena) => buffer.IsNetworkInput ? "X" : Buffer(buffer, arena);

    public static int ActivationId(ActivationPlan activation) =>
        activation.Kind == ActivationKind.Softmax ? 0 : (int)activation.Kind;

    public static string Slope(ActivationPlan activation) => float.IsNaN(activation.Slope) ? "0.0f" : Float(activation.Slope);

    public static string Float(float value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (!text.Contains(".") && !text.Contains("E")) text += ".0";
        return text.Replace("E", "e") + "f";
    }

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
