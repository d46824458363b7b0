using System;

namespace Compiled.Nets.Cuda;

/// <summary>CUDA was asked for but cannot be used here; the message says why (e.g. "libcuda.so.1 not found").</summary>
public sealed class CudaUnavailableException : InvalidOperationException
{
    /// <summary>CUDA is unavailable for <paramref name="reason"/>.</summary>
    public CudaUnavailableException(string reason) : base($"CUDA is not available: {reason}. Use Device.Cpu, or Device.Auto to fall back to the CPU.") => Reason = reason;
    /// <summary>Why CUDA cannot be used ("libcuda.so.1 not found").</summary>
    public string Reason { get; }
}

/// <summary>A CUDA driver call failed.</summary>
public sealed class CudaException : Exception
{
    /// <summary>The driver call <paramref name="call"/> returned the error code <paramref name="result"/>, named <paramref name="name"/>.</summary>
    public CudaException(string call, int result, string name) : base($"{call} failed with {name} ({result}).")
    {
        Call = call;
        Result = result;
    }

    /// <summary>The driver function that failed (<c>cuMemAlloc</c>).</summary>
    public string Call { get; }
    /// <summary>The <c>CUresult</c> code it returned.</summary>
    public int Result { get; }
}

/// <summary>NVRTC could not compile a generated translation unit; <see cref="Log"/> is NVRTC's log.</summary>
public sealed class CudaCompilationException : Exception
{
    /// <summary>NVRTC failed to compile the CUDA code of <paramref name="network"/>, with <paramref name="log"/> as its log.</summary>
    public CudaCompilationException(string network, string log) : base($"NVRTC failed to compile the CUDA code of {network}:\n{log}") => Log = log;
    /// <summary>NVRTC's compilation log.</summary>
    public string Log { get; }
}
