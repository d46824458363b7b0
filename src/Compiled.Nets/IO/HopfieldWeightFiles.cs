using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Compiled.Nets.CompilerServices;

namespace Compiled.Nets.IO;

/// <summary>
/// A Hopfield memory's weights as a safetensors file: one F32 tensor <c>weight</c> [N, N] (w_ij = C_ij / N, row-major) and
/// the number of stored patterns in the metadata (<c>patterns</c>), so the file opens in PyTorch
/// (<c>safetensors.torch.load_file</c>) and loads back exactly. Called by the generated <c>Save</c> and <c>Load</c>.
/// </summary>
public static class HopfieldWeightFiles
{
    /// <summary>The tensor's name, as PyTorch names a layer's weight.</summary>
    public const string TensorName = "weight";

    /// <summary>The metadata key holding the number of stored patterns.</summary>
    public const string PatternsKey = "patterns";

    /// <summary>Writes <paramref name="weights"/> ([N, N]) and the pattern count to <paramref name="path"/>, atomically.</summary>
    public static void Save(string path, float[] weights, int neurons, int patterns, string memory)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(weights);
        var tensors = new[] { new NamedTensor(TensorName, new[] { neurons, neurons }, weights, 0) };
        SafeTensors.Save(tensors, path, new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["producer"] = "Compiled.Nets",
            ["network"] = memory,
            [PatternsKey] = patterns.ToString(CultureInfo.InvariantCulture),
        });
    }

    /// <summary>
    /// Reads a file written by <see cref="Save"/> into <paramref name="hebbian"/> and <paramref name="weights"/> and returns
    /// the pattern count. Everything is read and checked first (the safetensors checks, then the metadata, then
    /// <see cref="HopfieldKernels.SumsFromWeights"/>): a file that is refused leaves both arrays unchanged.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is malformed, of another size, or not Hebbian weights.</exception>
    public static int Load(string path, float[] hebbian, float[] weights, int neurons, string memory)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(hebbian);
        ArgumentNullException.ThrowIfNull(weights);
        string source = $"Weight file '{path}'";
        var read = new float[(long)neurons * neurons];
        SafeTensors.Load(new[] { new NamedTensor(TensorName, new[] { neurons, neurons }, read, 0) }, path);
        var metadata = SafeTensors.ReadMetadata(path);
        if (!metadata.TryGetValue(PatternsKey, out string? text))
            throw new InvalidDataException($"{source} has no '{PatternsKey}' metadata entry, which a Hopfield weight file written by {memory}.Save holds.");
        int max = HopfieldKernels.MaxPatterns(neurons);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int patterns) || patterns > max)
            throw new InvalidDataException($"{source} has '{PatternsKey}' = '{text}', but {memory} holds a whole number of patterns from 0 to {max}.");
        var sums = new float[read.Length];
        HopfieldKernels.SumsFromWeights(read, sums, neurons, patterns, source);
        sums.CopyTo(hebbian, 0);
        // The canonical weights of those sums (the file's, unless it was written with another rounding).
        HopfieldKernels.Divide(sums, neurons, weights);
        return patterns;
    }
}
