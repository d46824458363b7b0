using System;
using System.IO;

namespace Compiled.Nets.Tests;

internal static class TestData
{
    public static float[] Random(int count, int seed, float scale = 1f)
    {
        var random = new SeededRandom(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = random.NextGaussian() * scale;
        return values;
    }

    /// <summary>One-hot rows with random classes.</summary>
    public static float[] OneHot(int batch, int classes, int seed)
    {
        var random = new SeededRandom(seed);
        var values = new float[batch * classes];
        for (int b = 0; b < batch; b++) values[b * classes + random.NextInt(classes)] = 1f;
        return values;
    }

    /// <summary>Values in [0.05, 0.95], valid binary cross-entropy targets.</summary>
    public static float[] Probabilities(int count, int seed)
    {
        var random = new SeededRandom(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = 0.05f + 0.9f * random.NextFloat();
        return values;
    }

    /// <summary>Token ids uniform in [0, vocabulary), as floats (an Embedding's input).</summary>
    public static float[] Tokens(int count, int vocabulary, int seed)
    {
        var random = new SeededRandom(seed);
        var ids = new float[count];
        for (int i = 0; i < count; i++) ids[i] = random.NextInt(vocabulary);
        return ids;
    }

    public static string PathOf(params string[] parts) => Path.Combine(AppContext.BaseDirectory, Path.Combine(parts));

    /// <summary>A path in the repository (from this source file's location: tests/Compiled.Nets.Tests/).</summary>
    public static string RepositoryPath(string[] parts, [System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", Path.Combine(parts)));

    public static string RepositoryPath(string a, string b, string c) => RepositoryPath(new[] { a, b, c });
}
