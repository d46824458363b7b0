using System;

namespace Compiled.Nets;

/// <summary>Where a network runs.</summary>
public enum Device
{
    /// <summary>The generated C# code on the CPU (always available).</summary>
    Cpu = 0,
    /// <summary>The generated CUDA kernels on an NVIDIA GPU; refused with <see cref="Cuda.CudaUnavailableException"/> where there is none.</summary>
    Cuda,
    /// <summary>CUDA when a driver, NVRTC and a device are present, otherwise the CPU.</summary>
    Auto,
}
