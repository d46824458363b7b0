using System.ComponentModel;
using System;
using System.Collections.Generic;
using Compiled.Nets.Optimizers;

using Compiled.Nets.Cuda;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// Runs a generated network's CUDA program on the GPU: device arenas for parameters, gradients, running
/// statistics, optimizer state and, per batch capacity, activations and deltas; NVRTC modules from
/// <see cref="KernelCompiler"/>; a training step's forward, loss, gradient zeroing (the backward kernels add to the
/// gradient arena) and backward launches captured once as a CUDA graph and replayed. The network's host arrays stay the reference the user sees: the runner uploads them when
/// the host changed them and downloads when the device did, so the same network object works on both devices.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed unsafe class CudaNetworkRunner : IDisposable
{
    private const int ArenaCount = 12; // P, G, A, D, S, Z, X, T, W, L, O, K — the order of CN_ARENAS
    private const int P = 0, G = 1, A = 2, D = 3, S = 4, Z = 5, X = 6, T = 7, W = 8, L = 9, O = 10, K = 11;

    private readonly ICudaKernels _kernels;
    private readonly float[] _parameters;
    private readonly float[] _state;
    private readonly int _outputLength;
    private readonly ICudaBackend _backend;
    private readonly ulong[] _shared = new ulong[ArenaCount];
    private readonly Dictionary<int, BatchProgram> _programs = new();
    private readonly float[] _scalars = new float[8];
    private bool _hostIsNewer = true;
    private bool _deviceIsNewer;
    private Optimizer? _optimizer;
    private long _optimizerSteps;
    private bool _disposed;
    /// <summary>The running statistics before the last training pass, so a refused step can put them back.</summary>
    private readonly ulong _stateBefore;
    /// <summary>The first non-finite gradient's index after the last backward pass (≥ the parameter count: none).</summary>
    private int _firstNonFiniteGradient = int.MaxValue;
    /// <summary>The running statistics after the last training pass, brought back to check them (a few floats per BatchNorm feature).</summary>
    private readonly float[] _stateAfter;
    private bool _stateChecked;
    /// <summary>One call at a time on the device: concurrent Predict calls queue here.</summary>
    private readonly object _gate = new();

    /// <summary>Called by generated code: uploads a network's parameters and running statistics and prepares its kernels for <see cref="Device.Cuda"/>.</summary>
    public CudaNetworkRunner(ICudaKernels kernels, float[] parameters, float[] state, int inputLength, int outputLength)
    {
        InputLength = inputLength;
        _backend = CudaBackends.Create();
        _kernels = kernels;
        _parameters = parameters;
        _state = state;
        _outputLength = outputLength;
        _shared[P] = Allocate(parameters.Length);
        _shared[G] = Allocate(parameters.Length);
        _shared[S] = Allocate(Math.Max(1, state.Length));
        _stateBefore = Allocate(Math.Max(1, state.Length));
        _stateAfter = new float[state.Length];
        _shared[O] = Allocate(2 * parameters.Length);
        _shared[K] = Allocate(_scalars.Length);
    }

    /// <summary>Bytes of device memory held now.</summary>
    public long DeviceBytes { get; private set; }

    /// <summary>The device, e.g. "NVIDIA H100 80GB HBM3 (sm_90), NVRTC 12.4".</summary>
    public string Description => _backend.Status.Description;

    /// <summary>Call before the host reads parameters or running statistics: downloads them if the device changed them.</summary>
    public void EnsureHostCurrent()
    {
        if (!_deviceIsNewer) return;
        Activate();
        Download(_shared[P], _parameters);
        if (_state.Length > 0) Download(_shared[S], _state);
        Synchronize();
        _deviceIsNewer = false;
    }

    /// <summary>Call when the host may have changed parameters or running statistics: they are uploaded before the next device step.</summary>
    public void MarkHostChanged()
    {
        EnsureHostCurrent();
        _hostIsNewer = true;
    }

    /// <summary>Outputs of <paramref name="count"/> samples at inference (chunks of at most 256 samples).</summary>
    public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs, int count)
    {
        lock (_gate) PredictUnlocked(inputs, outputs, count);
    }

    private void PredictUnlocked(ReadOnlySpan<float> inputs, Span<float> outputs, int count)
    {
        int inputLength = inputs.Length / Math.Max(count, 1);
        for (int start = 0; start < count; start += 256)
        {
            int batch = Math.Min(256, count - start);
            var program = Prepare(batch);
            Upload(program.Arenas[X], inputs.Slice(start * inputLength, batch * inputLength));
            Run(program, program.Inference);
            Download(program.Arenas[A] + (ulong)(_kernels.OutputOffset * batch * sizeof(float)), outputs.Slice(start * _outputLength, batch * _outputLength));
            Synchronize();
        }
    }

    /// <summary>
    /// The batch's mean loss (penalties included). <paramref name="training"/> runs the training forward pass
    /// (dropout masks from <paramref name="seed"/> and <paramref name="step"/>, batch statistics); <paramref name="backward"/>
    /// also fills the device gradients, replaying the captured graph.
    /// </summary>
    public float Loss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, int batch,
        bool training, bool backward, int seed, long step)
    {
        lock (_gate) return LossUnlocked(inputs, targets, sampleWeights, batch, training, backward, seed, step);
    }

    private float LossUnlocked(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, int batch,
        bool training, bool backward, int seed, long step)
    {
        var program = Prepare(batch);
        // Kept so that a step refused after this pass (non-finite loss or gradients) can put the statistics back.
        if (training && _state.Length > 0) _backend.CopyOnDevice(_stateBefore, _shared[S], _state.Length * (long)sizeof(float));
        Upload(program.Arenas[X], inputs);
        Upload(program.Arenas[T], targets);
        // Without weights every sample weighs 1: Σ w = batch, the unweighted mean (one graph serves both cases).
        if (sampleWeights.IsEmpty) Upload(program.Arenas[W], program.Ones);
        else Upload(program.Arenas[W], sampleWeights);
        _scalars[6] = (uint)seed & 0xFFFFFF;
        _scalars[7] = (ulong)step & 0xFFFFFF;
        Upload(_shared[K], _scalars);
        if (backward)
        {
            if (program.TrainingGraph == IntPtr.Zero) program.TrainingGraph = Capture(program);
            _backend.LaunchGraph(program.TrainingGraph);
        }
        else
        {
            Run(program, training ? program.TrainingForward : program.Inference);
            Run(program, program.Loss);
        }
        if (training && _state.Length > 0) _deviceIsNewer = true; // BatchNorm's running statistics moved
        Span<float> loss = stackalloc float[1];
        Download(program.Arenas[L] + (ulong)(batch * sizeof(float)), loss);
        _firstNonFiniteGradient = int.MaxValue;
        _stateChecked = training && _state.Length > 0;
        if (_stateChecked) Download(_shared[S], _stateAfter);
        if (backward)
        {
            // The graph ends with gradient_check, which leaves the first non-finite gradient's index in L[0].
            Span<float> check = stackalloc float[1];
            Download(program.Arenas[L], check);
            _firstNonFiniteGradient = BitConverter.SingleToInt32Bits(check[0]);
        }
        Synchronize();
        return loss[0];
    }

    /// <summary>
    /// Whether the last backward pass left a NaN or ±∞ in the device gradients: the first one's index and value.
    /// Read from the check the captured graph ran, so a finite step costs no extra transfer.
    /// </summary>
    public bool FindNonFiniteGradient(out int index, out float value)
    {
        lock (_gate)
        {
            index = -1;
            value = 0f;
            if (_firstNonFiniteGradient < 0 || _firstNonFiniteGradient >= _parameters.Length) return false;
            index = _firstNonFiniteGradient;
            Span<float> one = stackalloc float[1];
            Download(_shared[G] + (ulong)index * sizeof(float), one);
            Synchronize();
            value = one[0];
            return true;
        }
    }

    /// <summary>Whether the last training pass left a running statistic NaN or ±∞: the first one's index in the state arena and its value.</summary>
    public bool FindNonFiniteState(out int index, out float value)
    {
        lock (_gate)
        {
            index = _stateChecked ? Guard.FirstNonFinite(_stateAfter) : -1;
            value = index >= 0 ? _stateAfter[index] : 0f;
            return index >= 0;
        }
    }

    /// <summary>Puts the running statistics back as they were before the last training pass (a refused step).</summary>
    public void RestoreState()
    {
        lock (_gate)
        {
            if (_state.Length == 0) return;
            Activate();
            _backend.CopyOnDevice(_shared[S], _stateBefore, _state.Length * (long)sizeof(float));
            Synchronize();
        }
    }

    /// <summary>Copies the device gradients (of the last <see cref="Loss"/> with backward) to <paramref name="gradients"/>.</summary>
    public void DownloadGradients(Span<float> gradients)
    {
        lock (_gate) DownloadGradientsUnlocked(gradients);
    }

    private void DownloadGradientsUnlocked(Span<float> gradients)
    {
        Activate();
        Download(_shared[G], gradients);
        Synchronize();
    }

    /// <summary>One optimizer step on the device: the same rule and constants as <paramref name="optimizer"/> on the CPU.</summary>
    public void Update(Optimizer optimizer, float maxGradientNorm, float[] gradientScratch)
    {
        lock (_gate) UpdateUnlocked(optimizer, maxGradientNorm, gradientScratch);
    }

    private void UpdateUnlocked(Optimizer optimizer, float maxGradientNorm, float[] gradientScratch)
    {
        Activate();
        if (!ReferenceEquals(optimizer, _optimizer))
        {
            // A new rule starts from zero state, as Optimizer does on its first step.
            _backend.Zero(_shared[O], 2L * _parameters.Length);
            _optimizer = optimizer;
            _optimizerSteps = 0;
        }
        if (maxGradientNorm > 0f)
        {
            // Clipping needs the global norm: a round trip through the host keeps it exactly the CPU's rule.
            Download(_shared[G], gradientScratch);
            Synchronize();
            GradientClipping.ClipByGlobalNorm(gradientScratch, maxGradientNorm);
            Upload(_shared[G], gradientScratch);
        }
        _optimizerSteps++;
        string kernel;
        _scalars[0] = optimizer.LearningRate;
        switch (optimizer)
        {
            case Sgd { Momentum: 0f }:
                kernel = "update_sgd";
                break;
            case Sgd sgd:
                kernel = sgd.Nesterov ? "update_nesterov" : "update_momentum";
                _scalars[1] = sgd.Momentum;
                break;
            case AdaGrad adagrad:
                kernel = "update_adagrad";
                _scalars[2] = adagrad.Epsilon;
                break;
            case RmsProp rmsprop:
                kernel = "update_rmsprop";
                _scalars[1] = rmsprop.Alpha;
                _scalars[2] = rmsprop.Epsilon;
                break;
            case AdaDelta adadelta:
                kernel = "update_adadelta";
                _scalars[1] = adadelta.Rho;
                _scalars[2] = adadelta.Epsilon;
                break;
            case Adam adam:
                kernel = "update_adam";
                _scalars[1] = adam.Beta1;
                _scalars[2] = adam.Beta2;
                _scalars[3] = adam.Epsilon;
                _scalars[4] = (float)(adam.LearningRate / (1 - Math.Pow(adam.Beta1, _optimizerSteps)));
                _scalars[5] = (float)Math.Sqrt(1 - Math.Pow(adam.Beta2, _optimizerSteps));
                break;
            default:
                throw new NotSupportedException($"The optimizer {optimizer.GetType().Name} has no CUDA kernel; use Sgd, AdaGrad, RmsProp, AdaDelta or Adam, or Device.Cpu.");
        }
        Upload(_shared[K], _scalars);
        var program = AnyProgram();
        _backend.Launch(program.Function(kernel), new CudaLaunch(kernel, (_parameters.Length + 255) / 256, 1, 256, 1, 0), program.Parameters);
        Synchronize();
        _deviceIsNewer = true;
    }

    private BatchProgram AnyProgram()
    {
        foreach (var program in _programs.Values) return program;
        return Prepare(1);
    }

    private BatchProgram Prepare(int batch)
    {
        Activate();
        if (_hostIsNewer)
        {
            Upload(_shared[P], _parameters);
            if (_state.Length > 0) Upload(_shared[S], _state);
            _hostIsNewer = false;
        }
        if (_programs.TryGetValue(batch, out var program)) return program;
        program = new BatchProgram(this, batch, _backend.LoadModule(_kernels.NetworkName, _kernels.CudaSource, batch));
        _programs.Add(batch, program);
        return program;
    }

    private IntPtr Capture(BatchProgram program)
    {
        // Resolve every function first: capture records stream work only, so keep other driver calls out of it.
        foreach (var launch in program.TrainingForward) program.Function(launch.Kernel);
        foreach (var launch in program.Loss) program.Function(launch.Kernel);
        foreach (var launch in program.Backward) program.Function(launch.Kernel);
        program.Function(GradientCheck.Kernel);
        _backend.BeginCapture();
        Run(program, program.TrainingForward);
        Run(program, program.Loss);
        // The gradient kernels add to G (a weight read by several ops sums them): zeroed once per step, in the graph.
        _backend.Zero(_shared[G], _parameters.Length);
        Run(program, program.Backward);
        // Last: the first non-finite gradient's index into L[0], read with the loss, so the update can be refused.
        _backend.Launch(program.Function(GradientCheck.Kernel), GradientCheck, program.Parameters);
        return _backend.EndCapture();
    }

    /// <summary>The generated gradient_check kernel: one block scans G (cn::first_nonfinite in kernels/optimizers.cuh).</summary>
    private static readonly CudaLaunch GradientCheck = new("gradient_check", 1, 1, 256, 1, 0);

    private void Run(BatchProgram program, CudaLaunch[] launches)
    {
        foreach (var launch in launches) _backend.Launch(program.Function(launch.Kernel), launch, program.Parameters);
    }

    private void Activate() => ObjectDisposedException.ThrowIf(_disposed, this);

    private ulong Allocate(int floats)
    {
        long bytes = Math.Max(1, floats) * (long)sizeof(float);
        ulong pointer = _backend.Allocate(bytes);
        DeviceBytes += bytes;
        return pointer;
    }

    private void Upload(ulong destination, ReadOnlySpan<float> source)
    {
        fixed (float* pointer = source) _backend.CopyToDevice(destination, pointer, source.Length * (long)sizeof(float));
    }

    private void Download(ulong source, Span<float> destination)
    {
        fixed (float* pointer = destination) _backend.CopyToHost(pointer, source, destination.Length * (long)sizeof(float));
    }

    private void Synchronize() => _backend.Synchronize();

    /// <summary>Frees the device memory, modules and graphs.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        foreach (var program in _programs.Values) program.Dispose();
        _programs.Clear();
        foreach (ulong pointer in _shared) if (pointer != 0) _backend.Free(pointer);
        _backend.Free(_stateBefore);
        _backend.Dispose();
        _disposed = true;
    }

    /// <summary>A module compiled for one batch capacity, with its own activation-sized arenas and argument array.</summary>
    private sealed class BatchProgram : IDisposable
    {
        private readonly CudaNetworkRunner _runner;
        private readonly IntPtr _module;
        private readonly Dictionary<string, IntPtr> _functions = new();
        private readonly ulong* _slots;
        public readonly ulong[] Arenas = new ulong[ArenaCount];
        public readonly void** Parameters;
        public readonly CudaLaunch[] Inference, TrainingForward, Loss, Backward;
        public readonly float[] Ones;
        public IntPtr TrainingGraph;

        public BatchProgram(CudaNetworkRunner runner, int batch, IntPtr module)
        {
            _runner = runner;
            _module = module;
            var kernels = runner._kernels;
            Arenas[P] = runner._shared[P];
            Arenas[G] = runner._shared[G];
            Arenas[S] = runner._shared[S];
            Arenas[O] = runner._shared[O];
            Arenas[K] = runner._shared[K];
            Arenas[A] = runner.Allocate(kernels.ActivationsPerSample * batch);
            Arenas[D] = runner.Allocate(kernels.ActivationsPerSample * batch);
            Arenas[Z] = runner.Allocate(kernels.ScratchLength(batch));
            Arenas[X] = runner.Allocate(batch * runner.InputLength);
            Arenas[T] = runner.Allocate(batch * runner._outputLength);
            Arenas[W] = runner.Allocate(batch);
            Arenas[L] = runner.Allocate(batch + 1);
            // cuLaunchKernel takes pointers to each argument: the slots hold the device pointers.
            _slots = (ulong*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(ArenaCount, sizeof(ulong));
            Parameters = (void**)System.Runtime.InteropServices.NativeMemory.AllocZeroed(ArenaCount, (nuint)sizeof(void*));
            for (int i = 0; i < ArenaCount; i++)
            {
                _slots[i] = Arenas[i];
                Parameters[i] = &_slots[i];
            }
            Inference = kernels.InferenceLaunches(batch);
            TrainingForward = kernels.TrainingForwardLaunches(batch);
            Loss = kernels.LossLaunches(batch);
            Backward = kernels.BackwardLaunches(batch);
            Ones = new float[batch];
            Array.Fill(Ones, 1f);
        }

        public IntPtr Function(string name)
        {
            if (_functions.TryGetValue(name, out IntPtr function)) return function;
            function = _runner._backend.GetFunction(_module, name);
            _functions.Add(name, function);
            return function;
        }

        public void Dispose()
        {
            var backend = _runner._backend;
            if (TrainingGraph != IntPtr.Zero) backend.DestroyGraph(TrainingGraph);
            foreach (int arena in new[] { A, D, Z, X, T, W, L }) backend.Free(Arenas[arena]);
            backend.UnloadModule(_module);
            System.Runtime.InteropServices.NativeMemory.Free(_slots);
            System.Runtime.InteropServices.NativeMemory.Free(Parameters);
        }
    }

    /// <summary>Values per input sample.</summary>
    public int InputLength { get; }
}
