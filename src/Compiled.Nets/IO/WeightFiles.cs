using System.Collections.Generic;
using System.IO;

namespace Compiled.Nets.IO;

/// <summary>Saves and loads a network's parameters as a safetensors file with PyTorch's tensor names.</summary>
public static class WeightFiles
{
    /// <summary>
    /// Writes every tensor of <paramref name="network"/> to <paramref name="path"/> (atomically: an existing file
    /// is replaced whole or not at all; temporary files of earlier killed saves are cleaned up). The file loads in
    /// PyTorch with <c>safetensors.torch.load_file</c>.
    /// </summary>
    public static void Save(this INetwork network, string path) => SafeTensors.Save(network.Tensors, path, Metadata(network));

    /// <summary>
    /// Writes every tensor of <paramref name="network"/> as a safetensors file to <paramref name="destination"/>,
    /// from its current position; the stream is flushed and left open.
    /// </summary>
    public static void Save(this INetwork network, Stream destination) => SafeTensors.Save(network.Tensors, destination, Metadata(network));

    /// <summary>
    /// Reads <paramref name="path"/> into <paramref name="network"/>. The file must be a valid safetensors file
    /// holding exactly the network's tensor names and shapes, F32 and finite; otherwise the network is left unchanged.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is malformed or belongs to a different architecture.</exception>
    public static void Load(this INetwork network, string path) => SafeTensors.Load(network.Tensors, path);

    /// <summary>
    /// Reads a safetensors file from <paramref name="source"/> (from its current position to its end; it need not be
    /// seekable) into <paramref name="network"/>, with the same checks as the path overload. The stream is left open.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is malformed or belongs to a different architecture.</exception>
    public static void Load(this INetwork network, Stream source) => SafeTensors.Load(network.Tensors, source);

    /// <summary>
    /// Loads the tensors of a weight file whose names the network also has, and leaves the rest (PyTorch's
    /// <c>load_state_dict(strict=False)</c>): a pre-trained autoencoder's encoder into a classifier with layers of the same
    /// names. Shapes must match; returns the names loaded. Nothing changes when the file is refused.
    /// </summary>
    public static IReadOnlyList<string> LoadMatching(this INetwork network, string path) => SafeTensors.LoadMatching(network.Tensors, path);

    /// <summary>
    /// Copies into the network the tensors of <paramref name="source"/> whose names it also has (its encoder into a
    /// classifier): shapes must match; returns the names copied. Nothing changes when refused.
    /// </summary>
    public static IReadOnlyList<string> CopyMatchingTensors(this INetwork network, INetwork source) =>
        SafeTensors.CopyMatching(source.Tensors, network.Tensors);

    /// <summary>"format": "pt" is what Hugging Face tools look for to treat the file as PyTorch weights.</summary>
    private static Dictionary<string, string> Metadata(INetwork network) => new()
    {
        ["format"] = "pt",
        ["producer"] = "Compiled.Nets",
        ["network"] = network.GetType().FullName ?? network.GetType().Name,
    };
}
