using System.ComponentModel;
using Compiled.Nets.Cuda;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// A generated network's CUDA program: its translation unit, arena sizes and launch sequences. Generated networks
/// implement it; <see cref="CudaNetworkRunner"/> runs it on a GPU, the tests run it under the CPU emulation.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ICudaKernels
{
    string NetworkName { get; }
    /// <summary>
    /// The network's CUDA C translation unit (compile it with CN_BATCH defined as the batch capacity). Generated networks
    /// implement it explicitly over a private member of their {Type}.Cuda.g.cs part: it is no public constant of the class.
    /// </summary>
    string CudaSource { get; }
    int ActivationsPerSample { get; }
    int StateLength { get; }
    /// <summary>Offset (floats per sample) of the output buffer in the activation arena.</summary>
    int OutputOffset { get; }
    int ScratchLength(int batch);
    CudaLaunch[] InferenceLaunches(int batch);
    CudaLaunch[] TrainingForwardLaunches(int batch);
    CudaLaunch[] LossLaunches(int batch);
    CudaLaunch[] BackwardLaunches(int batch);
}
