using System.Collections.Generic;
using System.IO;

namespace Compiled.Nets.IO;

/// <summary>Saves and loads a network's parameters as a safetensors file with PyTorch's tensor names.</summary>
public static class WeightFiles
{
    /// <summary>
    /// Writes every tensor of <paramref name="network"/> to <paramref name="path"/> (atomically: an existing file
    /// is replaced whole or not at all). The file loads in PyTorch with <c>safetensors.torch.load_file</c>.
    /// </summary>
    public static void Save(this INetwork network, string path)
    {
        // "format": "pt" is what Hugging Face tools look for to treat the file as PyTorch weights.
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["producer"] = "Compiled.Nets",
            ["network"] = network.GetType().FullName ?? network.GetType().Name,
        };
        SafeTensors.Save(network.Tensors, path, metadata);
    }

    /// <summary>
    /// Reads <paramref name="path"/> into <paramref name="network"/>. The file must hold exactly the network's
    /// tensor names and shapes; otherwise the network is left unchanged.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is malformed or belongs to a different architecture.</exception>
    public static void Load(this INetwork network, string path) => SafeTensors.Load(network.Tensors, path);
}
