using System.ComponentModel;
using Compiled.Nets.Cuda;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// One launch of a generated CUDA kernel, with the arguments of <c>cuLaunchKernel</c>: the kernel's
/// <c>extern "C"</c> name, grid and block sizes, and dynamic shared memory in bytes. Every generated kernel
/// takes the same arena pointers, so one argument array serves a whole launch sequence.
/// </summary>
/// <param name="Kernel">The kernel's <c>extern "C"</c> name.</param>
/// <param name="GridX">Blocks in x.</param>
/// <param name="GridY">Blocks in y.</param>
/// <param name="BlockX">Threads per block in x.</param>
/// <param name="BlockY">Threads per block in y.</param>
/// <param name="SharedBytes">Dynamic shared memory per block, in bytes.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct CudaLaunch(string Kernel, int GridX, int GridY, int BlockX, int BlockY, int SharedBytes);
