using System;
using System.Collections.Generic;
using System.IO;

namespace Compiled.Nets.Cuda;

/// <summary>Writes networks' generated CUDA translation units to files, for the samples' <c>--dump-kernels DIR</c>.</summary>
public static class KernelDump
{
    /// <summary>
    /// If <paramref name="args"/> holds <c>--dump-kernels DIR</c>, writes each network's source to
    /// <c>DIR/&lt;Network&gt;.cu</c>, prints what it wrote and returns true (the sample then exits without training).
    /// </summary>
    public static bool TryDump(string[] args, IReadOnlyDictionary<string, string> sources, TextWriter? log = null)
    {
        int index = Array.IndexOf(args, "--dump-kernels");
        if (index < 0) return false;
        if (index + 1 >= args.Length) throw new ArgumentException("--dump-kernels needs a directory: --dump-kernels DIR", nameof(args));
        string directory = args[index + 1];
        Directory.CreateDirectory(directory);
        foreach (var (network, source) in sources)
        {
            string path = Path.Combine(directory, network + ".cu");
            File.WriteAllText(path, source);
            (log ?? Console.Out).WriteLine($"wrote {path} ({source.Length:N0} characters)");
        }
        return true;
    }

    /// <summary>
    /// <see cref="TryDump(string[], IReadOnlyDictionary{string, string}, TextWriter?)"/> for generated networks: each one's
    /// <see cref="ICudaKernels.CudaSource"/> under its <see cref="ICudaKernels.NetworkName"/>.
    /// </summary>
    public static bool TryDump(string[] args, params ICudaKernels[] networks)
    {
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var network in networks) sources[network.NetworkName] = network.CudaSource;
        return TryDump(args, sources);
    }
}
