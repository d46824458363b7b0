using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Compiled.Nets.Cuda;
using Compiled.Nets.Samples.Hopfield;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// A Hopfield memory's generated CUDA C (kernels/hopfield.cuh specialised for N), verified without a GPU as CUDA-CHECK.md
/// describes: clang-19 compiles it to PTX for sm_80 and sm_86 with no warning and no unresolved function, and the same
/// source built for the CPU with kernels/cn_emulation.h stores patterns and runs sweeps that match the C# memory to the bit.
/// </summary>
public class HopfieldCudaTests
{
    private readonly ITestOutputHelper _output;
    public HopfieldCudaTests(ITestOutputHelper output) => _output = output;

    private static (string Source, CudaLaunch Store, CudaLaunch Sweep, CudaLaunch Changes, Func<IHopfieldMemory> Create) Memory(string name) => name switch
    {
        nameof(Hopfield37) => (Hopfield37.CudaKernels.Source, Hopfield37.CudaKernels.Store, Hopfield37.CudaKernels.Sweep, Hopfield37.CudaKernels.Changes, () => new Hopfield37()),
        nameof(Memory100) => (Memory100.CudaKernels.Source, Memory100.CudaKernels.Store, Memory100.CudaKernels.Sweep, Memory100.CudaKernels.Changes, () => new Memory100()),
        nameof(Memory1000) => (Memory1000.CudaKernels.Source, Memory1000.CudaKernels.Store, Memory1000.CudaKernels.Sweep, Memory1000.CudaKernels.Changes, () => new Memory1000()),
        nameof(Hopfield1) => (Hopfield1.CudaKernels.Source, Hopfield1.CudaKernels.Store, Hopfield1.CudaKernels.Sweep, Hopfield1.CudaKernels.Changes, () => new Hopfield1()),
        _ => throw new ArgumentException(name),
    };

    [ToolTheory(CudaToolchain.Clang)]
    [InlineData(nameof(Hopfield1))]
    [InlineData(nameof(Hopfield37))]
    [InlineData(nameof(Memory100))]
    [InlineData(nameof(Memory1000))]
    public void Translation_unit_compiles_to_ptx_for_sm80_and_sm86(string memory)
    {
        string directory = Directory.CreateTempSubdirectory("cn-hopfield-ptx-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "memory.cu"), Memory(memory).Source);
            string prelude = Path.Combine(CudaToolchain.KernelsDirectory(), "cn_prelude.h");
            foreach (string arch in new[] { "sm_80", "sm_86" })
            {
                var (code, _, errors, elapsed) = CudaToolchain.Run(CudaToolchain.Clang,
                    $"-x cuda --cuda-device-only --cuda-gpu-arch={arch} -nocudainc -nocudalib -std=c++17 -O2 -Wall -Werror " +
                    $"-Xclang -target-feature -Xclang +ptx75 -include \"{prelude}\" -S -o {arch}.ptx memory.cu", directory);
                Assert.True(code == 0, $"{memory} for {arch}:\n{errors}");
                Assert.True(string.IsNullOrWhiteSpace(errors), $"{memory} for {arch} printed:\n{errors}");
                string ptx = File.ReadAllText(Path.Combine(directory, arch + ".ptx"));
                var unresolved = ptx.Split('\n').Where(l => l.Contains(".extern .func") && !l.Contains("vprintf")).ToList();
                Assert.True(unresolved.Count == 0, $"{memory} for {arch} calls undefined functions:\n{string.Join("\n", unresolved)}");
                var entries = ptx.Split('\n').Where(l => l.Contains(".entry")).ToList();
                foreach (string kernel in new[] { "hopfield_store", "hopfield_sweep", "hopfield_changes" })
                    Assert.Contains(entries, l => l.Contains(kernel));
                _output.WriteLine($"{memory}: {arch} PTX in {elapsed.TotalSeconds:F2} s, {entries.Count} kernels");
            }
        }
        finally { Directory.Delete(directory, recursive: true); }
    }

    /// <summary>Device memory of the emulated backend, with the argument arrays cuLaunchKernel takes.</summary>
    private sealed unsafe class Device : IDisposable
    {
        private readonly EmulatedCudaBackend _backend = new();
        private readonly IntPtr _module;

        public Device(string name, string source) => _module = _backend.LoadModule(name, source, batch: 1);

        public ulong Upload(ReadOnlySpan<float> values)
        {
            ulong pointer = _backend.Allocate(Math.Max(1, values.Length) * (long)sizeof(float));
            fixed (float* source = values) _backend.CopyToDevice(pointer, source, values.Length * (long)sizeof(float));
            return pointer;
        }

        public float[] Download(ulong pointer, int length)
        {
            var values = new float[length];
            fixed (float* destination = values) _backend.CopyToHost(destination, pointer, length * (long)sizeof(float));
            return values;
        }

        /// <summary>Launches with each argument in its own slot, as cuLaunchKernel reads them.</summary>
        public void Launch(CudaLaunch launch, params object[] arguments)
        {
            var slots = (ulong*)NativeMemory.AllocZeroed((nuint)arguments.Length, sizeof(ulong));
            var parameters = (void**)NativeMemory.AllocZeroed((nuint)arguments.Length, (nuint)sizeof(void*));
            try
            {
                for (int i = 0; i < arguments.Length; i++)
                {
                    switch (arguments[i])
                    {
                        case ulong pointer: slots[i] = pointer; break;
                        case int value: *(int*)&slots[i] = value; break;
                        default: throw new ArgumentException($"argument {i}: {arguments[i]}");
                    }
                    parameters[i] = &slots[i];
                }
                _backend.Launch(_backend.GetFunction(_module, launch.Kernel), launch, parameters);
            }
            finally
            {
                NativeMemory.Free(slots);
                NativeMemory.Free(parameters);
            }
        }

        public void Free(params ulong[] pointers)
        {
            foreach (ulong pointer in pointers) _backend.Free(pointer);
        }

        public void Dispose() { }
    }

    private static float[] Floats(ReadOnlySpan<sbyte> values)
    {
        var floats = new float[values.Length];
        for (int i = 0; i < values.Length; i++) floats[i] = values[i];
        return floats;
    }

    [ToolTheory(CudaToolchain.Gxx)]
    [InlineData(nameof(Hopfield37), 3, 2)]
    [InlineData(nameof(Memory100), 5, 4)]
    [InlineData(nameof(Hopfield1), 2, 1)]
    public void Emulated_store_and_sweeps_match_the_csharp_memory(string name, int first, int second)
    {
        var (source, store, sweep, changes, create) = Memory(name);
        var memory = create();
        int n = memory.Neurons;
        var patterns = HopfieldTests.RandomPatterns(first + second, n, seed: n);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var device = new Device(name, source);
        ulong c = device.Upload(new float[n * n]), w = device.Upload(new float[n * n]);
        ulong p1 = device.Upload(Floats(patterns.AsSpan(0, first * n))), p2 = device.Upload(Floats(patterns.AsSpan(first * n)));
        try
        {
            // Hebb's rule, twice: the second store adds to the first.
            memory.Store(patterns.AsSpan(0, first * n), first);
            device.Launch(store, c, w, p1, first);
            Assert.Equal(memory.Weights.ToArray(), device.Download(w, n * n));
            memory.Store(patterns.AsSpan(first * n), second);
            device.Launch(store, c, w, p2, second);
            var weights = device.Download(w, n * n);
            var sums = device.Download(c, n * n);
            for (int k = 0; k < n * n; k++)
            {
                Assert.True(memory.Weights[k] == weights[k], $"{name}: weight {k / n}, {k % n} is {weights[k]} on the device, {memory.Weights[k]} in C#");
                Assert.Equal(MathF.Round(memory.Weights[k] * n), sums[k]);
            }

            // One sweep from a noisy probe, then sweeps to the fixed point; the C# recall does the same from the same state.
            var probe = HopfieldTests.Noisy(patterns.AsSpan(0, n), Math.Max(1, n / 5), seed: 3);
            ulong s = device.Upload(Floats(probe)), next = device.Upload(new float[n]), changed = device.Upload(new float[1]);
            try
            {
                var one = (sbyte[])probe.Clone();
                var oneSweep = memory.RecallSynchronous(one, maxSweeps: 1);
                device.Launch(sweep, c, s, next);
                device.Launch(changes, s, next, changed);
                Assert.Equal(Floats(one), device.Download(next, n));
                Assert.Equal(oneSweep.Flips, (int)device.Download(changed, 1)[0]);

                var full = (sbyte[])probe.Clone();
                var recall = memory.RecallSynchronous(full, maxSweeps: 20);
                Assert.True(recall.Converged, $"{name}: the C# recall did not converge ({recall})");
                var state = Floats(probe);
                var deviceState = device.Upload(state);
                int sweeps = 0, flips = 0;
                for (; sweeps < 20;)
                {
                    device.Launch(sweep, c, deviceState, next);
                    device.Launch(changes, deviceState, next, changed);
                    sweeps++;
                    int count = (int)device.Download(changed, 1)[0];
                    flips += count;
                    (deviceState, next) = (next, deviceState);
                    if (count == 0) break;
                }
                Assert.Equal(Floats(full), device.Download(deviceState, n));
                Assert.Equal(recall.Sweeps, sweeps);
                Assert.Equal(recall.Flips, flips);
                device.Free(deviceState);
            }
            finally { device.Free(s, next, changed); }
        }
        finally { device.Free(c, w, p1, p2); }
        _output.WriteLine($"{name}: emulated store and sweeps match the C# memory ({clock.Elapsed.TotalSeconds:F1} s)");
    }
}
