using System;

namespace Compiled.Nets.Cuda;

/// <summary>CUDA was asked for but cannot be used here; the message says why (e.g. "libcuda.so.1 not found").</summary>
public sealed class CudaUnavailableException : InvalidOperationException
{
    public CudaUnavailableException(string reason) : base($"CUDA is not available: {reason}. Use Device.Cpu, or Device.Auto to fall back to the CPU.") => Reason = reason;
    public string Reason { get; }
}

/// <summary>A CUDA driver call failed.</summary>
public sealed class CudaException : Exception
{
    public CudaException(string call, int result, string name) : base($"{call} failed with {name} ({result}).")
    {
        Call = call;
        Result = result;
    }

    public string Call { get; }
    public int Result { get; }
}

/// <summary>NVRTC could not compile a generated translation unit; <see cref="Log"/> is NVRTC's log.</summary>
public sealed class CudaCompilationException : Exception
{
    public CudaCompilationException(string network, string log) : base($"NVRTC failed to compile the CUDA code of {network}:\n{log}") => Log = log;
    public string Log { get; }
}
