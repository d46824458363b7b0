using System;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Compiled.Nets.Cuda;

/// <summary>
/// The CUDA driver API (libcuda.so.1) and NVRTC (libnvrtc.so.12 and later), bound with LibraryImport under two
/// logical names that <see cref="NativeLibraries"/> resolves by probing, so a machine without them never fails
/// to load this assembly: it only fails the probe, with a reason.
/// </summary>
internal static unsafe partial class CudaDriver
{
    public const string Library = "compiled-nets-cuda";

    [LibraryImport(Library)] public static partial int cuInit(uint flags);
    [LibraryImport(Library)] public static partial int cuDriverGetVersion(out int version);
    [LibraryImport(Library)] public static partial int cuDeviceGetCount(out int count);
    [LibraryImport(Library)] public static partial int cuDeviceGet(out int device, int ordinal);
    [LibraryImport(Library)] public static partial int cuDeviceGetAttribute(out int value, int attribute, int device);
    [LibraryImport(Library)] public static partial int cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(Library)] public static partial int cuDevicePrimaryCtxRetain(out IntPtr context, int device);
    [LibraryImport(Library)] public static partial int cuCtxSetCurrent(IntPtr context);
    [LibraryImport(Library, EntryPoint = "cuStreamCreate")] public static partial int cuStreamCreate(out IntPtr stream, uint flags);
    [LibraryImport(Library, EntryPoint = "cuStreamDestroy_v2")] public static partial int cuStreamDestroy(IntPtr stream);
    [LibraryImport(Library)] public static partial int cuStreamSynchronize(IntPtr stream);
    [LibraryImport(Library)] public static partial int cuModuleLoadData(out IntPtr module, byte* image);
    [LibraryImport(Library)] public static partial int cuModuleUnload(IntPtr module);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] public static partial int cuModuleGetFunction(out IntPtr function, IntPtr module, string name);
    [LibraryImport(Library, EntryPoint = "cuMemAlloc_v2")] public static partial int cuMemAlloc(out ulong pointer, nuint bytes);
    [LibraryImport(Library, EntryPoint = "cuMemFree_v2")] public static partial int cuMemFree(ulong pointer);
    [LibraryImport(Library, EntryPoint = "cuMemsetD32Async")] public static partial int cuMemsetD32Async(ulong pointer, uint value, nuint count, IntPtr stream);
    [LibraryImport(Library, EntryPoint = "cuMemcpyHtoDAsync_v2")] public static partial int cuMemcpyHtoDAsync(ulong destination, void* source, nuint bytes, IntPtr stream);
    [LibraryImport(Library, EntryPoint = "cuMemcpyDtoHAsync_v2")] public static partial int cuMemcpyDtoHAsync(void* destination, ulong source, nuint bytes, IntPtr stream);
    [LibraryImport(Library, EntryPoint = "cuMemcpyDtoDAsync_v2")] public static partial int cuMemcpyDtoDAsync(ulong destination, ulong source, nuint bytes, IntPtr stream);
    [LibraryImport(Library)]
    public static partial int cuLaunchKernel(IntPtr function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, IntPtr stream, void** parameters, void** extra);
    [LibraryImport(Library, EntryPoint = "cuStreamBeginCapture_v2")] public static partial int cuStreamBeginCapture(IntPtr stream, int mode);
    [LibraryImport(Library)] public static partial int cuStreamEndCapture(IntPtr stream, out IntPtr graph);
    [LibraryImport(Library)] public static partial int cuGraphInstantiateWithFlags(out IntPtr executable, IntPtr graph, ulong flags);
    [LibraryImport(Library)] public static partial int cuGraphLaunch(IntPtr executable, IntPtr stream);
    [LibraryImport(Library)] public static partial int cuGraphExecDestroy(IntPtr executable);
    [LibraryImport(Library)] public static partial int cuGraphDestroy(IntPtr graph);
    [LibraryImport(Library)] public static partial int cuGetErrorName(int error, out IntPtr name);

    public const int ComputeCapabilityMajor = 75, ComputeCapabilityMinor = 76;
    public const int StreamCaptureModeThreadLocal = 1;

    /// <summary>Throws <see cref="CudaException"/> naming the call and the driver's error name.</summary>
    public static void Check(int result, string call)
    {
        if (result == 0) return;
        string name = cuGetErrorName(result, out IntPtr text) == 0 && text != IntPtr.Zero ? Marshal.PtrToStringUTF8(text) ?? "?" : "?";
        throw new CudaException(call, result, name);
    }
}

internal static unsafe partial class Nvrtc
{
    public const string Library = "compiled-nets-nvrtc";

    [LibraryImport(Library)] public static partial int nvrtcVersion(out int major, out int minor);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int nvrtcCreateProgram(out IntPtr program, string source, string name, int headerCount, IntPtr headers, IntPtr includeNames);
    [LibraryImport(Library)] public static partial int nvrtcCompileProgram(IntPtr program, int optionCount, byte** options);
    [LibraryImport(Library)] public static partial int nvrtcGetProgramLogSize(IntPtr program, out nuint size);
    [LibraryImport(Library)] public static partial int nvrtcGetProgramLog(IntPtr program, byte* log);
    [LibraryImport(Library)] public static partial int nvrtcGetCUBINSize(IntPtr program, out nuint size);
    [LibraryImport(Library)] public static partial int nvrtcGetCUBIN(IntPtr program, byte* cubin);
    [LibraryImport(Library)] public static partial int nvrtcDestroyProgram(ref IntPtr program);
    [LibraryImport(Library)] public static partial IntPtr nvrtcGetErrorString(int result);

    public static void Check(int result, string call)
    {
        if (result == 0) return;
        throw new CudaException(call, result, Marshal.PtrToStringUTF8(nvrtcGetErrorString(result)) ?? "?");
    }
}

/// <summary>Resolves the two logical library names by probing the names drivers and toolkits install.</summary>
internal static class NativeLibraries
{
    public static readonly string[] DriverNames = OperatingSystem.IsWindows() ? new[] { "nvcuda.dll" } : new[] { "libcuda.so.1", "libcuda.so" };

    public static readonly string[] NvrtcNames = OperatingSystem.IsWindows()
        ? new[] { "nvrtc64_130_0.dll", "nvrtc64_120_0.dll" }
        : new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so" };

    private static readonly object Gate = new();
    private static bool _registered;

    public static void EnsureResolver()
    {
        lock (Gate)
        {
            if (_registered) return;
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
            _registered = true;
        }
    }

    /// <summary>The first name that loads, or null.</summary>
    public static IntPtr TryLoadAny(string[] names, out string? loaded)
    {
        foreach (string name in names)
        {
            if (NativeLibrary.TryLoad(name, out IntPtr handle))
            {
                loaded = name;
                return handle;
            }
        }
        loaded = null;
        return IntPtr.Zero;
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) => name switch
    {
        CudaDriver.Library => TryLoadAny(DriverNames, out _),
        Nvrtc.Library => TryLoadAny(NvrtcNames, out _),
        _ => IntPtr.Zero,
    };
}
