using System.ComponentModel;
using System;

namespace Compiled.Nets.CompilerServices;

/// <summary>Weight initialisation, called by generated <c>InitializeParameters</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Initializers
{
    /// <summary>Fills <paramref name="weights"/> by <paramref name="scheme"/> for a layer with the given fans.</summary>
    public static void Fill(Span<float> weights, Initialization scheme, int fanIn, int fanOut, SeededRandom random)
    {
        switch (scheme)
        {
            case Initialization.Default:
            case Initialization.GlorotUniform:
                float limit = MathF.Sqrt(6f / (fanIn + fanOut));
                for (int i = 0; i < weights.Length; i++) weights[i] = (2f * random.NextFloat() - 1f) * limit;
                break;
            case Initialization.ScaledNormal:
                FillNormal(weights, 1f / MathF.Sqrt(fanIn), random);
                break;
            case Initialization.GlorotNormal:
                FillNormal(weights, MathF.Sqrt(2f / (fanIn + fanOut)), random);
                break;
            case Initialization.HeUniform:
                float heLimit = MathF.Sqrt(6f / fanIn);
                for (int i = 0; i < weights.Length; i++) weights[i] = (2f * random.NextFloat() - 1f) * heLimit;
                break;
            case Initialization.HeNormal:
                FillNormal(weights, MathF.Sqrt(2f / fanIn), random);
                break;
            case Initialization.DcganNormal:
                FillNormal(weights, 0.02f, random);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "unknown initialisation scheme");
        }
    }

    /// <summary>U(−bound, bound): PyTorch's initialisation of every recurrent weight and bias, with bound 1/√hidden.</summary>
    public static void FillUniform(Span<float> values, float bound, SeededRandom random)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (2f * random.NextFloat() - 1f) * bound;
    }

    /// <summary>N(0, std²): PyTorch's initialisation of an embedding table (std 1).</summary>
    public static void FillNormal(Span<float> weights, float std, SeededRandom random)
    {
        for (int i = 0; i < weights.Length; i++) weights[i] = random.NextGaussian() * std;
    }
}
