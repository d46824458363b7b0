using System.ComponentModel;
using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Compiled.Nets.CompilerServices;

/// <summary>A piece of work over samples [start, end) of a batch, run by worker <c>worker</c> (0 is the calling thread).</summary>
internal interface IBatchJob
{
    void Run(int start, int end, int worker);
}

/// <summary>
/// A job whose workers leave partial results in their <see cref="WorkerScratch"/>: <see cref="Combine"/> adds them into
/// the caller's, after every part is done and before the workers are free for another thread's job, which would
/// overwrite them. A job that ran alone (one part) has none to combine, and is not called.
/// </summary>
internal interface ICombiningBatchJob : IBatchJob
{
    void Combine(int parts);
}

/// <summary>
/// Splits a batch across the cores when it pays: persistent worker threads that wait on events, so a training step
/// allocates nothing and starts no tasks. The caller runs the first part itself and returns when every part is done.
/// Jobs run one at a time (a lock); a call that finds the workers busy runs its job alone on its own thread.
/// </summary>
internal static class BatchParallel
{
    /// <summary>Multiply-adds a part must hold for the hand-off (a few microseconds) to pay for itself.</summary>
    public const long MinimumWorkPerPart = 250_000;

    /// <summary>Threads that share a batch: the cores, at most 16; COMPILED_NETS_THREADS=1 turns splitting off.</summary>
    public static readonly int Threads = ChooseThreads();

    private static readonly object Gate = new();
    private static Worker[]? _workers;

    private static int ChooseThreads()
    {
        string? setting = Environment.GetEnvironmentVariable("COMPILED_NETS_THREADS");
        if (int.TryParse(setting, out int threads) && threads >= 1) return Math.Min(threads, 64);
        return Math.Clamp(Environment.ProcessorCount, 1, 16);
    }

    /// <summary>How many parts a batch of <paramref name="batch"/> samples, each worth <paramref name="workPerSample"/> multiply-adds, splits into.</summary>
    public static int PartsFor(int batch, long workPerSample)
    {
        if (Threads == 1 || batch < 2) return 1;
        long parts = workPerSample * batch / MinimumWorkPerPart;
        return (int)Math.Clamp(parts, 1, Math.Min(Threads, batch));
    }

    /// <summary>Runs <paramref name="job"/> on <paramref name="parts"/> contiguous ranges of [0, <paramref name="count"/>).</summary>
    public static void Run(IBatchJob job, int count, int parts)
    {
        if (parts <= 1)
        {
            job.Run(0, count, 0);
            return;
        }
        // Another thread's job holds the workers: run this one alone rather than queue behind it (each thread that
        // calls in, say a pool of inference threads, then keeps its own core busy).
        if (!Monitor.TryEnter(Gate))
        {
            job.Run(0, count, 0);
            return;
        }
        try
        {
            var workers = _workers ??= StartWorkers();
            for (int p = 1; p < parts; p++)
                workers[p - 1].Start(job, Start(count, parts, p), Start(count, parts, p + 1), p);
            Exception? failure = null;
            try
            {
                job.Run(0, Start(count, parts, 1), 0);
            }
            catch (Exception e)
            {
                failure = e;
            }
            // Every worker is waited for, even after a failure: the workers must be idle before the lock is released.
            for (int p = 1; p < parts; p++)
            {
                var workerFailure = workers[p - 1].Wait();
                failure ??= workerFailure;
            }
            if (failure is not null) ExceptionDispatchInfo.Capture(failure).Throw();
            if (job is ICombiningBatchJob combining) combining.Combine(parts);
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    /// <summary>For tests: holds the workers from another thread until disposed, as a concurrent job would.</summary>
    internal static IDisposable HoldWorkersForTests()
    {
        var held = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            lock (Gate)
            {
                held.Set();
                release.Wait();
            }
        }) { IsBackground = true };
        holder.Start();
        held.Wait();
        return new Release(release, holder);
    }

    private sealed class Release(ManualResetEventSlim release, Thread holder) : IDisposable
    {
        public void Dispose()
        {
            release.Set();
            holder.Join();
        }
    }

    private static int Start(int count, int parts, int part) => (int)((long)count * part / parts);

    private static Worker[] StartWorkers()
    {
        var workers = new Worker[Threads - 1];
        for (int i = 0; i < workers.Length; i++) workers[i] = new Worker(i + 1);
        return workers;
    }

    private sealed class Worker
    {
        // Spin before sleeping: a training step calls split kernels back to back, and waking a sleeping thread costs
        // tens of microseconds, a large share of a LeNet layer's millisecond.
        private readonly ManualResetEventSlim _go = new(false, spinCount: 2047);
        private readonly ManualResetEventSlim _done = new(false, spinCount: 2047);
        private IBatchJob? _job;
        private int _start, _end, _part;
        private Exception? _failure;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Compiled.Nets worker {index}" };
            thread.Start();
        }

        public void Start(IBatchJob job, int start, int end, int part)
        {
            (_job, _start, _end, _part, _failure) = (job, start, end, part, null);
            _done.Reset();
            _go.Set();
        }

        public Exception? Wait()
        {
            _done.Wait();
            _job = null;
            return _failure;
        }

        private void Loop()
        {
            while (true)
            {
                _go.Wait();
                _go.Reset();
                try
                {
                    _job!.Run(_start, _end, _part);
                }
                catch (Exception e)
                {
                    _failure = e;
                }
                _done.Set();
            }
        }
    }
}

/// <summary>
/// Per-worker workspaces for split kernels (worker 0, the caller, uses the network's own). Each worker only touches its
/// own array, and jobs run one at a time, so no locking; an array grows the first time a larger layer needs it.
/// </summary>
internal static class WorkerScratch
{
    private static float[][] _buffers = Array.Empty<float[]>();

    public static float[] For(int worker, int length)
    {
        var buffers = Volatile.Read(ref _buffers);
        if (worker >= buffers.Length)
        {
            lock (typeof(WorkerScratch))
            {
                if (worker >= _buffers.Length)
                {
                    var grown = new float[BatchParallel.Threads][];
                    Array.Copy(_buffers, grown, _buffers.Length);
                    for (int i = _buffers.Length; i < grown.Length; i++) grown[i] = Array.Empty<float>();
                    Volatile.Write(ref _buffers, grown);
                }
                buffers = _buffers;
            }
        }
        if (buffers[worker].Length < length) buffers[worker] = new float[length];
        return buffers[worker];
    }
}

/// <summary>How the kernels split batches on this machine (for diagnostics and tests).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class BatchParallelInfo
{
    /// <summary>Threads that share a large batch: the cores (at most 16), or COMPILED_NETS_THREADS.</summary>
    public static int Threads => BatchParallel.Threads;

    /// <summary>The parts a batch of <paramref name="batch"/> samples of <paramref name="multiplyAddsPerSample"/> each is split into.</summary>
    public static int PartsFor(int batch, long multiplyAddsPerSample) => BatchParallel.PartsFor(batch, multiplyAddsPerSample);
}
