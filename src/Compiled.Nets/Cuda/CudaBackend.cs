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
    /// <summary>What the probe for CUDA found on this machine.</summary>
    CudaStatus Status { get; }
    /// <summary>Allocates <paramref name="bytes"/> bytes of device memory and returns its device address.</summary>
    ulong Allocate(long bytes);
    /// <summary>Frees device memory from <see cref="Allocate"/>.</summary>
    void Free(ulong pointer);
    /// <summary>Copies <paramref name="bytes"/> bytes from host to device memory and waits for the copy.</summary>
    void CopyToDevice(ulong destination, void* source, long bytes);
    /// <summary>Copies <paramref name="bytes"/> bytes from device to host memory and waits for the copy.</summary>
    void CopyToHost(void* destination, ulong source, long bytes);
    /// <summary>Copies device memory to device memory on the stream (ordered with the launches around it).</summary>
    void CopyOnDevice(ulong destination, ulong source, long bytes);
    /// <summary>Zeroes <paramref name="floats"/> floats on the stream; between BeginCapture and EndCapture it becomes part of the graph (a memset node).</summary>
    void Zero(ulong destination, long floats);
    /// <summary>Compiles (or loads from a cache) a network's translation unit for one batch capacity.</summary>
    IntPtr LoadModule(string networkName, string source, int batch);
    /// <summary>Unloads a module from <see cref="LoadModule"/>.</summary>
    void UnloadModule(IntPtr module);
    /// <summary>The kernel <paramref name="name"/> of a loaded module.</summary>
    IntPtr GetFunction(IntPtr module, string name);
    /// <summary>Launches a kernel on the stream with the grid, block and shared memory of <paramref name="launch"/>.</summary>
    void Launch(IntPtr function, CudaLaunch launch, void** parameters);
    /// <summary>Starts capturing the stream's work into a CUDA graph.</summary>
    void BeginCapture();
    /// <summary>Ends the capture and returns the instantiated graph.</summary>
    IntPtr EndCapture();
    /// <summary>Replays an instantiated graph on the stream.</summary>
    void LaunchGraph(IntPtr graph);
    /// <summary>Destroys a graph from <see cref="EndCapture"/>.</summary>
    void DestroyGraph(IntPtr graph);
    /// <summary>Waits until the stream's work is done.</summary>
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

    /// <summary>Retains the device's primary context and creates the stream; throws <see cref="CudaUnavailableException"/> without a usable GPU.</summary>
    public DriverBackend()
    {
        Status = CudaAvailability.Current;
        if (!Status.Available) throw new CudaUnavailableException(Status.Description);
        CudaDriver.Check(CudaDriver.cuDeviceGet(out int device, 0), "cuDeviceGet");
        CudaDriver.Check(CudaDriver.cuDevicePrimaryCtxRetain(out _context, device), "cuDevicePrimaryCtxRetain");
        Activate();
        CudaDriver.Check(CudaDriver.cuStreamCreate(out _stream, 1 /* non-blocking */), "cuStreamCreate");
    }

    /// <summary>What the probe for CUDA found on this machine.</summary>
    public CudaStatus Status { get; }

    private void Activate()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CudaDriver.Check(CudaDriver.cuCtxSetCurrent(_context), "cuCtxSetCurrent");
    }

    /// <summary>Allocates <paramref name="bytes"/> bytes of device memory and returns its device address.</summary>
    public ulong Allocate(long bytes)
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuMemAlloc(out ulong pointer, (nuint)bytes), "cuMemAlloc");
        return pointer;
    }

    /// <summary>Frees device memory from <see cref="Allocate"/>.</summary>
    public void Free(ulong pointer) => CudaDriver.cuMemFree(pointer);

    /// <summary>Copies <paramref name="bytes"/> bytes from host to device memory and waits for the copy.</summary>
    public void CopyToDevice(ulong destination, void* source, long bytes)
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuMemcpyHtoDAsync(destination, source, (nuint)bytes, _stream), "cuMemcpyHtoDAsync");
        Synchronize(); // the source is pageable managed memory that may move after this call
    }

    /// <summary>Copies <paramref name="bytes"/> bytes from device to host memory and waits for the copy.</summary>
    public void CopyToHost(void* destination, ulong source, long bytes)
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuMemcpyDtoHAsync(destination, source, (nuint)bytes, _stream), "cuMemcpyDtoHAsync");
        Synchronize();
    }

    /// <summary>Copies device memory to device memory on the stream (ordered with the launches around it).</summary>
    public void CopyOnDevice(ulong destination, ulong source, long bytes)
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuMemcpyDtoDAsync(destination, source, (nuint)bytes, _stream), "cuMemcpyDtoDAsync");
    }

    /// <summary>Zeroes <paramref name="floats"/> floats on the stream.</summary>
    public void Zero(ulong destination, long floats)
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuMemsetD32Async(destination, 0, (nuint)floats, _stream), "cuMemsetD32Async");
    }

    /// <summary>Compiles (or loads from the cache) a network's translation unit for one batch capacity and loads it.</summary>
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

    /// <summary>Unloads a module from <see cref="LoadModule"/>.</summary>
    public void UnloadModule(IntPtr module) => CudaDriver.cuModuleUnload(module);

    /// <summary>The kernel <paramref name="name"/> of a loaded module.</summary>
    public IntPtr GetFunction(IntPtr module, string name)
    {
        CudaDriver.Check(CudaDriver.cuModuleGetFunction(out IntPtr function, module, name), $"cuModuleGetFunction({name})");
        return function;
    }

    /// <summary>Launches a kernel on the stream with the grid, block and shared memory of <paramref name="launch"/>.</summary>
    public void Launch(IntPtr function, CudaLaunch launch, void** parameters) =>
        CudaDriver.Check(CudaDriver.cuLaunchKernel(function, (uint)launch.GridX, (uint)launch.GridY, 1, (uint)launch.BlockX, (uint)launch.BlockY, 1,
            (uint)launch.SharedBytes, _stream, parameters, null), $"cuLaunchKernel({launch.Kernel})");

    /// <summary>Starts capturing the stream's work into a CUDA graph.</summary>
    public void BeginCapture()
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuStreamBeginCapture(_stream, CudaDriver.StreamCaptureModeThreadLocal), "cuStreamBeginCapture");
    }

    /// <summary>Ends the capture and returns the instantiated graph.</summary>
    public IntPtr EndCapture()
    {
        CudaDriver.Check(CudaDriver.cuStreamEndCapture(_stream, out IntPtr graph), "cuStreamEndCapture");
        CudaDriver.Check(CudaDriver.cuGraphInstantiateWithFlags(out IntPtr executable, graph, 0), "cuGraphInstantiateWithFlags");
        CudaDriver.Check(CudaDriver.cuGraphDestroy(graph), "cuGraphDestroy");
        return executable;
    }

    /// <summary>Replays an instantiated graph on the stream.</summary>
    public void LaunchGraph(IntPtr graph)
    {
        Activate();
        CudaDriver.Check(CudaDriver.cuGraphLaunch(graph, _stream), "cuGraphLaunch");
    }

    /// <summary>Destroys a graph from <see cref="EndCapture"/>.</summary>
    public void DestroyGraph(IntPtr graph) => CudaDriver.cuGraphExecDestroy(graph);

    /// <summary>Waits until the stream's work is done.</summary>
    public void Synchronize() => CudaDriver.Check(CudaDriver.cuStreamSynchronize(_stream), "cuStreamSynchronize");

    /// <summary>Destroys the stream and releases the context.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        CudaDriver.cuCtxSetCurrent(_context);
        CudaDriver.cuStreamDestroy(_stream);
        _disposed = true;
    }
}
