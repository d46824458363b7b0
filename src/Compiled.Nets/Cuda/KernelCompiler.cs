using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Compiled.Nets.Cuda;

/// <summary>
/// Compiles a generated translation unit with NVRTC for the device's architecture and one batch capacity, and
/// keeps the CUBIN on disk (the user's cache directory), keyed by a hash of source, architecture, batch and
/// NVRTC version, so a network compiles once per machine.
/// </summary>
public static class KernelCompiler
{
    private static readonly Lazy<string> Prelude = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("cn_nvrtc.h")
            ?? throw new InvalidOperationException("the embedded cn_nvrtc.h is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Replace("#pragma once", "");
    });

    /// <summary>Where compiled kernels are kept: $XDG_CACHE_HOME or ~/.cache (LocalApplicationData on Windows) + compiled-nets/kernels.</summary>
    public static string CacheDirectory
    {
        get
        {
            string root = OperatingSystem.IsWindows()
                ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                : Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                    ? xdg
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "compiled-nets", "kernels");
        }
    }

    /// <summary>The cache key: SHA-256 of source, architecture, batch and NVRTC version.</summary>
    public static string CacheKey(string source, string architecture, int batch, string nvrtcVersion)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{architecture}\n{batch}\n{nvrtcVersion}\n{source}"));
        return Convert.ToHexString(hash).ToLowerInvariant();
    }

    /// <summary>The CUBIN of a network's translation unit for one architecture and batch capacity: read from the disk cache, or compiled by NVRTC and cached.</summary>
    public static byte[] Compile(string networkName, string source, string architecture, int batch, string nvrtcVersion)
    {
        string path = Path.Combine(CacheDirectory, CacheKey(source, architecture, batch, nvrtcVersion) + ".cubin");
        if (File.Exists(path)) return File.ReadAllBytes(path);
        byte[] cubin = CompileWithNvrtc(networkName, Prelude.Value + source, architecture, batch);
        try
        {
            Directory.CreateDirectory(CacheDirectory);
            string temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
            File.WriteAllBytes(temporary, cubin);
            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException) { } // a cache that cannot be written only costs a recompile next time
        catch (UnauthorizedAccessException) { }
        return cubin;
    }

    private static unsafe byte[] CompileWithNvrtc(string networkName, string source, string architecture, int batch)
    {
        NativeLibraries.EnsureResolver();
        Nvrtc.Check(Nvrtc.nvrtcCreateProgram(out IntPtr program, source, networkName + ".cu", 0, IntPtr.Zero, IntPtr.Zero), "nvrtcCreateProgram");
        string[] options = { $"--gpu-architecture={architecture}", $"-DCN_BATCH={batch}", "--std=c++17" };
        var handles = new IntPtr[options.Length];
        try
        {
            for (int i = 0; i < options.Length; i++) handles[i] = Marshal.StringToCoTaskMemUTF8(options[i]);
            int result;
            fixed (IntPtr* pointers = handles) result = Nvrtc.nvrtcCompileProgram(program, options.Length, (byte**)pointers);
            if (result != 0) throw new CudaCompilationException(networkName, Log(program));
            Nvrtc.Check(Nvrtc.nvrtcGetCUBINSize(program, out nuint size), "nvrtcGetCUBINSize");
            var cubin = new byte[(int)size];
            fixed (byte* bytes = cubin) Nvrtc.Check(Nvrtc.nvrtcGetCUBIN(program, bytes), "nvrtcGetCUBIN");
            return cubin;
        }
        finally
        {
            foreach (var handle in handles) if (handle != IntPtr.Zero) Marshal.FreeCoTaskMem(handle);
            Nvrtc.nvrtcDestroyProgram(ref program);
        }
    }

    private static unsafe string Log(IntPtr program)
    {
        if (Nvrtc.nvrtcGetProgramLogSize(program, out nuint size) != 0 || size == 0) return "(no log)";
        var log = new byte[(int)size];
        fixed (byte* bytes = log) Nvrtc.nvrtcGetProgramLog(program, bytes);
        return Encoding.UTF8.GetString(log).TrimEnd('\0');
    }
}
