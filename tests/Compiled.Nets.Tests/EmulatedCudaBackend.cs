using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Compiled.Nets.Cuda;

namespace Compiled.Nets.Tests;

/// <summary>
/// A stand-in GPU for tests: "device memory" is native memory, a "module" is the generated CUDA C built with g++
/// and kernels/cn_emulation.h, a launch goes through the emulation's cn_launch, and a graph is a recorded list of
/// launches and zeroings (the runner zeroes the gradient arena inside the captured graph, as stream capture records a memset). With it, <see cref="CudaNetworkRunner"/> and the generated UseDevice path run where no GPU exists.
/// </summary>
internal sealed unsafe class EmulatedCudaBackend : ICudaBackend
{
    private static readonly ConcurrentDictionary<string, IntPtr> Libraries = new();
    private readonly Dictionary<IntPtr, IntPtr> _launchers = new();   // function → its library's cn_launch
    private readonly Dictionary<IntPtr, List<Recorded>> _graphs = new();
    private List<Recorded>? _capturing;
    private int _nextGraph = 1;

    public static readonly CudaStatus EmulatedStatus =
        new(true, "CPU emulation of the generated CUDA (g++, kernels/cn_emulation.h)", "emulated", 8, 0, "emulated");

    public CudaStatus Status => EmulatedStatus;

    public int Launches { get; private set; }
    public int GraphReplays { get; private set; }
    /// <summary>Zeroings run, captured ones each time their graph replays.</summary>
    public int Zeroings { get; private set; }

    /// <summary>One piece of a graph: a launch, or (Function zero) the zeroing of ZeroFloats floats at ZeroAt.</summary>
    private readonly record struct Recorded(IntPtr Function, CudaLaunch Launch, IntPtr Parameters, ulong ZeroAt, long ZeroFloats);

    public ulong Allocate(long bytes) => (ulong)NativeMemory.AllocZeroed((nuint)bytes);
    public void Free(ulong pointer) => NativeMemory.Free((void*)pointer);
    public void CopyToDevice(ulong destination, void* source, long bytes) => Buffer.MemoryCopy(source, (void*)destination, bytes, bytes);
    public void CopyToHost(void* destination, ulong source, long bytes) => Buffer.MemoryCopy((void*)source, destination, bytes, bytes);
    public void CopyOnDevice(ulong destination, ulong source, long bytes)
    {
        if (_capturing is not null) throw new InvalidOperationException("the runner copies device memory outside graph capture only");
        Buffer.MemoryCopy((void*)source, (void*)destination, bytes, bytes);
    }
    public void Zero(ulong destination, long floats)
    {
        if (_capturing is not null)
        {
            _capturing.Add(new Recorded(IntPtr.Zero, default, IntPtr.Zero, destination, floats));
            return;
        }
        RunZero(destination, floats);
    }

    private void RunZero(ulong destination, long floats)
    {
        NativeMemory.Clear((void*)destination, (nuint)(floats * sizeof(float)));
        Zeroings++;
    }

    public IntPtr LoadModule(string networkName, string source, int batch)
    {
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{batch}\n{source}")));
        return Libraries.GetOrAdd(key, _ =>
        {
            string directory = Directory.CreateTempSubdirectory("cn-emulated-gpu-").FullName;
            File.WriteAllText(Path.Combine(directory, "net.cu"), source);
            string header = Path.Combine(CudaToolchain.KernelsDirectory(), "cn_emulation.h");
            var (code, _, errors, _) = CudaToolchain.Run(CudaToolchain.Gxx,
                $"-std=c++20 -O1 -pthread -shared -fPIC -x c++ -include \"{header}\" -DCN_BATCH={batch} -o net.so net.cu", directory);
            if (code != 0) throw new CudaCompilationException(networkName, errors);
            return NativeLibrary.Load(Path.Combine(directory, "net.so"));
        });
    }

    public void UnloadModule(IntPtr module) { } // kept for the test run: other runners reuse the same library

    public IntPtr GetFunction(IntPtr module, string name)
    {
        IntPtr entry = NativeLibrary.GetExport(module, name + "_entry");
        _launchers[entry] = NativeLibrary.GetExport(module, "cn_launch");
        return entry;
    }

    public void Launch(IntPtr function, CudaLaunch launch, void** parameters)
    {
        if (_capturing is not null)
        {
            _capturing.Add(new Recorded(function, launch, (IntPtr)parameters, 0, 0));
            return;
        }
        Run(function, launch, parameters);
    }

    private void Run(IntPtr function, CudaLaunch launch, void** parameters)
    {
        var launcher = (delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, void**, int>)_launchers[function];
        int result = launcher(function, (uint)launch.GridX, (uint)launch.GridY, 1, (uint)launch.BlockX, (uint)launch.BlockY, 1, (uint)launch.SharedBytes, parameters);
        if (result != 0) throw new CudaException($"cn_launch({launch.Kernel})", result, "emulated launch failed");
        Launches++;
    }

    // A graph records launches with their argument arrays, and zeroings, as stream capture does.
    public void BeginCapture() => _capturing = new List<Recorded>();

    public IntPtr EndCapture()
    {
        var graph = (IntPtr)_nextGraph++;
        _graphs[graph] = _capturing!;
        _capturing = null;
        return graph;
    }

    public void LaunchGraph(IntPtr graph)
    {
        GraphReplays++;
        foreach (var step in _graphs[graph])
        {
            if (step.Function == IntPtr.Zero) RunZero(step.ZeroAt, step.ZeroFloats);
            else Run(step.Function, step.Launch, (void**)step.Parameters);
        }
    }

    public void DestroyGraph(IntPtr graph) => _graphs.Remove(graph);
    public void Synchronize() { }
    public void Dispose() { }
}
