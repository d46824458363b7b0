using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.Graph;

/// <summary>The CUDA C of Add and Concat: one thread per value.</summary>
internal static class GraphCuda
{
    public static void AddForward(CudaProgramBuilder cuda, AddForwardOp add)
    {
        int w = add.Output.Width;
        string name = $"{add.Layer}_add";
        string sum = string.Join(" + ", add.Inputs.Select(b => $"({Source(b, "A")})[i]"));
        cuda.Kernel(name, $"{add.Layer}: y = f(Σ inputs); grid ⌈batch·{w}/{ElementThreads}⌉, block {ElementThreads}",
            $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n" +
            $"    ({Buffer(add.Output, "A")})[i] = cn::activate<{ActivationId(add.Activation)}>({sum}, {Slope(add.Activation)});");
        cuda.Forward(ElementLaunch(name, w));
    }

    public static void ConcatForward(CudaProgramBuilder cuda, ConcatForwardOp concat)
    {
        int offset = 0;
        for (int k = 0; k < concat.Inputs.Count; k++)
        {
            var part = concat.Inputs[k];
            string name = $"{concat.Layer}_concat_{k}";
            cuda.Kernel(name, $"{concat.Layer}: input {k} into columns [{offset}, {offset + part.Width}) of {concat.Output.Width}; grid ⌈batch·{part.Width}/{ElementThreads}⌉, block {ElementThreads}",
                $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {part.Width}) return;\n" +
                $"    ({Buffer(concat.Output, "A")})[(i / {part.Width}) * {concat.Output.Width} + {offset} + i % {part.Width}] = ({Source(part, "A")})[i];");
            cuda.Forward(ElementLaunch(name, part.Width));
            offset += part.Width;
        }
    }

    /// <summary>The gradient into each input of an Add (the whole delta) or a Concat (its columns), times its producer's derivative.</summary>
    public static void JoinBackward(CudaProgramBuilder cuda, string layer, BufferRef output, EquatableArray<JoinedInput> parts, bool concat)
    {
        int offset = 0;
        for (int k = 0; k < parts.Count; k++)
        {
            var part = parts[k];
            int w = part.Input.Width;
            if (part.InputDelta is { } target)
            {
                string name = $"{layer}_{(concat ? "concat" : "add")}_backward_{k}";
                string dy = concat ? $"({Buffer(output, "D")})[(i / {w}) * {output.Width} + {offset} + i % {w}]" : $"({Buffer(output, "D")})[i]";
                string value = part.InputDerivative.Kind == ActivationKind.Linear ? dy
                    : $"{dy} * cn::derivative<{ActivationId(part.InputDerivative)}>(({Buffer(part.Input, "A")})[i], {Slope(part.InputDerivative)})";
                cuda.Kernel(name, $"{layer}: the gradient into input {k}; grid ⌈batch·{w}/{ElementThreads}⌉, block {ElementThreads}",
                    $"const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= CN_BATCH * {w}) return;\n    ({Buffer(target, "D")})[i] = {value};");
                cuda.Backward.Add(ElementLaunch(name, w));
            }
            offset += w;
        }
    }
}
