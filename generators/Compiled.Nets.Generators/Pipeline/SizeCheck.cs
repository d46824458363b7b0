using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Pipeline;

/// <summary>
/// After shape inference: every size the emitted code declares as an int (a layer's output, its weights, the
/// parameter and activation arenas) recomputed in 64 bits, so a network whose sizes wrap around 32 bits gets CN0040
/// instead of code with negative or wrapped array lengths. The families compute each layer's own counts in 64 bits
/// (ShapeContext.Size); this sums the arenas.
/// </summary>
internal static class SizeCheck
{
    /// <summary>Array.MaxLength: the most elements a .NET array holds.</summary>
    public const long MaxElements = 0x7FFFFFC7;

    /// <summary>Buffers per layer output in the activation arena, at most (the output, a mask or x̂, switches, an internal product).</summary>
    private const long BuffersPerOutput = 4;

    public static StageResult<ShapedNetwork> Check(NetworkSpec? spec, StageResult<ShapedNetwork> shaped)
    {
        if (spec is null || shaped.Value is null) return shaped;
        var network = shaped.Value;
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        diagnostics.AddRange(shaped.Diagnostics);

        long parameters = 0, activations = 0;
        foreach (var layer in network.Layers)
        {
            var at = spec.Layers.FirstOrDefault(l => l.Name == layer.Name.Split('.')[0])?.Location ?? spec.Location;
            long output = 1;
            foreach (int dimension in layer.OutputShape) output = Mul(output, dimension);
            if (output > MaxElements || output != layer.OutputSize)
                return TooLarge(spec, diagnostics, at, $"the output of layer '{layer.Name}' [{string.Join(", ", layer.OutputShape)}]", output);

            long weights = layer.WeightCount, biases = layer.BiasCount;
            if (weights > MaxElements || weights < 0)
                return TooLarge(spec, diagnostics, at, $"the weights of layer '{layer.Name}'", weights);
            parameters = Add(parameters, Add(weights, biases));
            activations = Add(activations, Mul(BuffersPerOutput, output));
        }
        if (parameters > MaxElements) return TooLarge(spec, diagnostics, spec.Location, "ParameterCount", parameters);
        if (activations > MaxElements) return TooLarge(spec, diagnostics, spec.Location, "the activations of one sample", activations);
        return shaped;
    }

    /// <summary>64-bit arithmetic that saturates at long.MaxValue instead of wrapping.</summary>
    public static long Mul(long a, long b)
    {
        try { return checked(a * b); }
        catch (System.OverflowException) { return long.MaxValue; }
    }

    public static long Add(long a, long b)
    {
        try { return checked(a + b); }
        catch (System.OverflowException) { return long.MaxValue; }
    }

    private static StageResult<ShapedNetwork> TooLarge(NetworkSpec spec, ImmutableArray<DiagnosticInfo>.Builder diagnostics,
        LocationInfo? location, string what, long value)
    {
        string number = value == long.MaxValue ? "more than 9.2·10^18" : value.ToString("N0", CultureInfo.InvariantCulture);
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, location, spec.Type.Name, what, number));
        return new StageResult<ShapedNetwork>(null, diagnostics.ToEquatableArray());
    }
}
