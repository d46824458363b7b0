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
    /// <summary>The network type's name, used in messages and in the kernel cache.</summary>
    string NetworkName { get; }
    /// <summary>
    /// The network's CUDA C translation unit (compile it with CN_BATCH defined as the batch capacity). Generated networks
    /// implement it explicitly over a private member of their {Type}.Cuda.g.cs part: it is no public constant of the class.
    /// </summary>
    string CudaSource { get; }
    /// <summary>Floats of the activation arena per sample.</summary>
    int ActivationsPerSample { get; }
    /// <summary>Floats of non-trained state (BatchNorm running statistics).</summary>
    int StateLength { get; }
    /// <summary>Offset (floats per sample) of the output buffer in the activation arena.</summary>
    int OutputOffset { get; }
    /// <summary>Floats of scratch memory the kernels need for a batch of <paramref name="batch"/>.</summary>
    int ScratchLength(int batch);
    /// <summary>The launches of an inference forward pass over <paramref name="batch"/> samples.</summary>
    CudaLaunch[] InferenceLaunches(int batch);
    /// <summary>The launches of a training forward pass over <paramref name="batch"/> samples.</summary>
    CudaLaunch[] TrainingForwardLaunches(int batch);
    /// <summary>The launches that compute the loss and the output gradient for <paramref name="batch"/> samples.</summary>
    CudaLaunch[] LossLaunches(int batch);
    /// <summary>The launches of the backward pass over <paramref name="batch"/> samples.</summary>
    CudaLaunch[] BackwardLaunches(int batch);
}
