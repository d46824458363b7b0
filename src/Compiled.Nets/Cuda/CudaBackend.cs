using System;
using System.Collections.Generic;

namespace Compiled.Nets.Cuda;

/// <summary>
/// What <see cref="CudaNetworkRunner"/> needs from a GPU: memory, modules, launches, graphs. <see cref="DriverBackend"/>
/// is the CUDA driver with NVRTC; tests substitute a CPU emulation of the same kernels (through
/// <see cref="CudaBackends.UseForTesting"/>) so that the runner's logic runs where no GPU exists.
/// </summary>
public unsafe interface ICudaBackend : IDisposable
{
    CudaStatus Status { get; }
    ulong Allocate(long bytes);
    void Free(ulong pointer);
    void CopyToDevice(ulong destination, void* source, long bytes);
    void CopyToHost(void* destination, ulong source, long bytes);
    /// <summary>Copies device memory to device memory on the stream (ordered with the launches around it).</summary>
    void CopyOnDevice(ulong destination, ulong source, long bytes);
    /// <summary>Zeroes <paramref name="floats"/> floats on the stream; between BeginCapture and EndCapture it becomes part of the graph (a memset node).</summary>
    void Zero(ulong destination, long floats);
    /// <summary>Compiles (or loads from a cache) a network's translation unit for one batch capacity.</summary>
    IntPtr LoadModule(string networkName, string source, int batch);
    void UnloadModule(IntPtr module);
    IntPtr GetFunction(IntPtr module, string name);
    void Launch(IntPtr function, CudaLaunch launch, void** parameters);
    void BeginCapture();
    IntPtr EndCapture();
    void LaunchGraph(IntPtr graph);
    void DestroyGraph(IntPtr graph);
    void Synchronize();
}

/// <summary>Chooses the backend: the CUDA driver, unless a test put an emulation in its place.</summary>
public static class CudaBackends
{
    private static Func<ICudaBackend>? _testFactory;
    private static CudaStatus? _testStatus;

    /// <summary>For tests only: makes <see cref="CudaAvailability.Current"/> and new runners use <paramref name="factory"/>; null restores the driver.</summary>
    public static void UseForTesting(Func<ICudaBackend>? factory, CudaStatus? status)
    {
        _testFactory = factory;
        _testStatus = status;
    }

    internal static CudaStatus? TestStatus => _testStatus;

    internal static ICudaBackend Create() => _testFactory is { } factory ? factory() : new DriverBackend();
}

/// <summary>The CUDA driver API with NVRTC: a primary context, one non-blocking stream, CUBINs from <see cref="KernelCompiler"/>.</summary>
public sealed unsafe class DriverBackend : ICudaBackend
{
    private readonly IntPtr _context;
    private readonly IntPtr _stream;
    private bool _disposed;

    public DriverBackend()
    {
        Status = CudaAvailability.Current;
        if (!Status.Available) throw new CudaUnavailableException(Status.Description);
        CudaDriver.Check(CudaDriver.cuDeviceGet(out int device, 0), "cuDeviceGet");
        CudaDriver.Check(CudaDriver.cuDevicePrimaryCtxRetain(out _context, device), "cuDevicePrimaryCtxRetain");
        Activate();
        CudaDriver.Check(CudaDriver.cuStreamCreate(out _stream, 1 /* non-blocking */), "cuStreamCreate");
    }

    public CudaStatus Status { get; }

    private void Activate()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CudaDriver.Check(CudaDriver.cuCtxSetCurrent(_context), "cuCtxSetCurrent");
    }

    public ulong Allocate(long bytes)
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuMemAlloc(out ulong pointer, (nuint)bytes), "cuMemAlloc");
        return pointer;
    }

    public void Free(ulong pointer) => CudaDriver.cuMemFree(pointer);

    public void CopyToDevice(ulong destination, void* source, long bytes)
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuMemcpyHtoDAsync(destination, source, (nuint)bytes, _stream), "cuMemcpyHtoDAsync");
        Synchronize(); // the source is pageable managed memory that may move after this call
    }

    public void CopyToHost(void* destination, ulong source, long bytes)
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuMemcpyDtoHAsync(destination, source, (nuint)bytes, _stream), "cuMemcpyDtoHAsync");
        Synchronize();
    }

    public void CopyOnDevice(ulong destination, ulong source, long bytes)
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuMemcpyDtoDAsync(destination, source, (nuint)bytes, _stream), "cuMemcpyDtoDAsync");
    }

    public void Zero(ulong destination, long floats)
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuMemsetD32Async(destination, 0, (nuint)floats, _stream), "cuMemsetD32Async");
    }

    public IntPtr LoadModule(string networkName, string source, int batch)
    {
        byte[] cubin = KernelCompiler.Compile(networkName, source, Status.Architecture, batch, Status.NvrtcVersion);
        Activate();
        fixed (byte* image = cubin)
        {
            CudaDriver.Check(CudaDriver.cuModuleLoadData(out IntPtr module, image), "cuModuleLoadData");
            return module;
        }
    }

    public void UnloadModule(IntPtr module) => CudaDriver.cuModuleUnload(module);

    public IntPtr GetFunction(IntPtr module, string name)
    {
        CudaDriver.Check(CudaDriver.cuModuleGetFunction(out IntPtr function, module, name), $"cuModuleGetFunction({name})");
        return function;
    }

    public void Launch(IntPtr function, CudaLaunch launch, void** parameters) =>
        CudaDriver.Check(CudaDriver.cuLaunchKernel(function, (uint)launch.GridX, (uint)launch.GridY, 1, (uint)launch.BlockX, (uint)launch.BlockY, 1,
            (uint)launch.SharedBytes, _stream, parameters, null), $"cuLaunchKernel({launch.Kernel})");

    public void BeginCapture()
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuStreamBeginCapture(_stream, CudaDriver.StreamCaptureModeThreadLocal), "cuStreamBeginCapture");
    }

    public IntPtr EndCapture()
    {
        CudaDriver.Check(CudaDriver.cuStreamEndCapture(_stream, out IntPtr graph), "cuStreamEndCapture");
        CudaDriver.Check(CudaDriver.cuGraphInstantiateWithFlags(out IntPtr executable, graph, 0), "cuGraphInstantiateWithFlags");
        CudaDriver.Check(CudaDriver.cuGraphDestroy(graph), "cuGraphDestroy");
        return executable;
    }

    public void LaunchGraph(IntPtr graph)
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuGraphLaunch(graph, _stream), "cuGraphLaunch");
    }

    public void DestroyGraph(IntPtr graph) => CudaDriver.cuGraphExecDestroy(graph);

    public void Synchronize() => CudaDriver.Check(CudaDriver.cuStreamSynchronize(_stream), "cuStreamSynchronize");

    public void Dispose()
    {
        if (_disposed) return;
        CudaDriver.cuCtxSetCurrent(_context);
        CudaDriver.cuStreamDestroy(_stream);
        _disposed = true;
    }
}
