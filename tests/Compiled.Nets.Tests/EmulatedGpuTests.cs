using System;
using System.IO;
using System.Linq;
using Compiled.Nets.Cuda;
using Compiled.Nets.IO;
using Compiled.Nets.Optimizers;
using Compiled.Nets.Training;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>Tests that change or depend on the process-wide CUDA backend run one after another.</summary>
[CollectionDefinition("CUDA backend", DisableParallelization = true)]
public sealed class CudaBackendCollection { }

/// <summary>
/// The generated networks' GPU path end to end — UseDevice, CudaNetworkRunner, graph capture and replay, host/device
/// synchronisation, the update kernels — on the CPU emulation of the same CUDA code, against the C# path.
/// </summary>
[Collection("CUDA backend")]
public sealed class EmulatedGpuTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly EmulatedCudaBackend _backend = new();

    public EmulatedGpuTests(ITestOutputHelper output)
    {
        _output = output;
        CudaBackends.UseForTesting(() => _backend, EmulatedCudaBackend.EmulatedStatus);
    }

    public void Dispose() => CudaBackends.UseForTesting(null, null);

    [ToolFact(CudaToolchain.Gxx)]
    public void Training_steps_on_the_device_match_the_cpu()
    {
        const int batch = 8;
        float[] inputs = TestData.Random(batch * 40, 1);
        float[] targets = TestData.OneHot(batch, 10, 2);
        using var cpu = new GoldenLargeReluCe(3) { Optimizer = new Adam(0.01f) };
        using var gpu = new GoldenLargeReluCe(3) { Optimizer = new Adam(0.01f) };
        string reason = gpu.UseDevice(Device.Cuda);
        _output.WriteLine(reason);
        Assert.Equal(Device.Cuda, gpu.Device);
        for (int step = 0; step < 3; step++)
            Assert.Equal(cpu.TrainStep(inputs, targets, batch), gpu.TrainStep(inputs, targets, batch), 5);
        Assert.Equal(3, _backend.GraphReplays); // captured once, replayed every step
        // The gradient arena is zeroed inside the graph, once per replayed step (plus the optimizer state once, outside it).
        Assert.Equal(3 + 1, _backend.Zeroings);
        double parameterError = GoldenTests.MaxError(gpu.Parameters.ToArray(), cpu.Parameters.ToArray());

        var cpuOut = new float[batch * 10];
        var gpuOut = new float[batch * 10];
        cpu.Predict(inputs, cpuOut);
        gpu.Predict(inputs, gpuOut);
        double outputError = GoldenTests.MaxError(gpuOut, cpuOut);
        var single = new float[10];
        gpu.Forward(inputs.AsSpan(0, 40), single);
        Assert.True(GoldenTests.MaxError(single, cpuOut.AsSpan(0, 10).ToArray()) < 1e-5);

        gpu.ComputeGradients(inputs, targets, batch);
        cpu.ComputeGradients(inputs, targets, batch);
        double gradientError = GoldenTests.MaxError(gpu.Gradients.ToArray(), cpu.Gradients.ToArray());
        _output.WriteLine($"after 3 Adam steps on the emulated device: parameters {parameterError:E2}, outputs {outputError:E2}, gradients {gradientError:E2}; {_backend.Launches} launches");
        Assert.True(parameterError < 1e-5);
        Assert.True(outputError < 1e-5);
        Assert.True(gradientError < 1e-5);
    }

    [ToolFact(CudaToolchain.Gxx)]
    public void A_residual_cnn_trains_on_the_device_like_on_the_cpu()
    {
        // Convolutions, a residual Add with a buffer read three times, Concat, per-channel BatchNorm and global pooling.
        const int batch = 6;
        float[] inputs = TestData.Random(batch * ResidualNet.InputSize, 7);
        float[] targets = TestData.OneHot(batch, 3, 8);
        using var cpu = new ResidualNet(9) { Optimizer = new Sgd(0.05f, momentum: 0.9f) };
        using var gpu = new ResidualNet(9) { Optimizer = new Sgd(0.05f, momentum: 0.9f) };
        gpu.UseDevice(Device.Cuda);
        for (int step = 0; step < 3; step++)
            Assert.Equal(cpu.TrainStep(inputs, targets, batch), gpu.TrainStep(inputs, targets, batch), 5);
        double parameterError = GoldenTests.MaxError(gpu.Parameters.ToArray(), cpu.Parameters.ToArray());
        var running = (ResidualNet n) => n.Tensors.Where(t => t.Name.Contains("running_")).SelectMany(t => t.Values.ToArray()).ToArray();
        double statisticsError = GoldenTests.MaxError(running(gpu), running(cpu));
        var cpuOut = new float[batch * 3];
        var gpuOut = new float[batch * 3];
        cpu.Predict(inputs, cpuOut);
        gpu.Predict(inputs, gpuOut);
        double outputError = GoldenTests.MaxError(gpuOut, cpuOut);
        _output.WriteLine($"ResidualNet after 3 momentum steps on the emulated device: parameters {parameterError:E2}, running statistics {statisticsError:E2}, outputs {outputError:E2}; {_backend.Launches} launches");
        Assert.True(parameterError < 1e-5);
        Assert.True(statisticsError < 1e-5);
        Assert.True(outputError < 1e-5);
    }

    [ToolFact(CudaToolchain.Gxx)]
    public void Host_writes_reach_the_device_and_device_training_reaches_the_host()
    {
        const int batch = 4;
        float[] inputs = TestData.Random(batch * 3, 3);
        float[] targets = TestData.Random(batch * 2, 4);
        using var cpu = new GoldenLeakySoftplusMse(5);
        using var gpu = new GoldenLeakySoftplusMse(5);
        gpu.UseDevice(Device.Cuda);
        gpu.TrainStep(inputs, targets, batch);
        cpu.TrainStep(inputs, targets, batch);
        // A write through Parameters (and through a layer) is used by the next device call.
        gpu.Parameters[0] = 0.75f;
        cpu.Parameters[0] = 0.75f;
        gpu.Y.Bias[1] = -0.5f;
        cpu.Y.Bias[1] = -0.5f;
        var a = new float[batch * 2];
        var b = new float[batch * 2];
        gpu.Predict(inputs, a);
        cpu.Predict(inputs, b);
        Assert.True(GoldenTests.MaxError(a, b) < 1e-5);
        // Save after device training writes the device's values; back on the CPU the network carries on.
        string path = Path.Combine(Path.GetTempPath(), $"cn-emulated-{Guid.NewGuid():N}.safetensors");
        try
        {
            gpu.TrainStep(inputs, targets, batch);
            cpu.TrainStep(inputs, targets, batch);
            gpu.Save(path);
            var loaded = new GoldenLeakySoftplusMse(9);
            loaded.Load(path);
            Assert.True(GoldenTests.MaxError(loaded.Parameters.ToArray(), cpu.Parameters.ToArray()) < 1e-5);
        }
        finally { File.Delete(path); }
        Assert.Equal("CPU: requested", gpu.UseDevice(Device.Cpu));
        Assert.Equal(cpu.TrainStep(inputs, targets, batch), gpu.TrainStep(inputs, targets, batch), 5);
    }

    [ToolFact(CudaToolchain.Gxx)]
    public void A_non_finite_loss_on_the_device_leaves_the_parameters_unchanged()
    {
        using var gpu = new GoldenLeakySoftplusMse(6);
        gpu.UseDevice(Device.Cuda);
        float[] inputs = TestData.Random(12, 5);
        float[] targets = TestData.Random(8, 6);
        gpu.TrainStep(inputs, targets, 4);
        float[] before = gpu.Parameters.ToArray();
        inputs[2] = 3e38f; // finite, but the squared error overflows
        var e = Assert.Throws<NonFiniteLossException>(() => gpu.TrainStep(inputs, targets, 4));
        Assert.Equal(1, e.Step);
        Assert.Equal(before, gpu.Parameters.ToArray());
    }

    [ToolFact(CudaToolchain.Gxx)]
    public void A_step_whose_device_gradients_overflow_is_refused_and_names_the_tensor()
    {
        using var gpu = new GoldenLeakySoftplusMse(1) { Optimizer = new Adam(0.01f) };
        gpu.UseDevice(Device.Cuda);
        float[] x = TestData.Random(12, 4);
        float[] t = TestData.Random(8, 5);
        gpu.TrainStep(x, t, 4);
        // As on the CPU (ReliabilityTests): Leaky.weight's column 0 zero, a huge first feature, large targets.
        for (int j = 0; j < 4; j++) gpu.Parameters[j * 3] = 0f;
        float[] before = gpu.Parameters.ToArray();
        float[] hugeX = x.ToArray();
        for (int s = 0; s < 4; s++) hugeX[s * 3] = 3e38f;
        float[] hugeT = t.Select(v => v * 1e4f).ToArray();

        var e = Assert.Throws<NonFiniteGradientException>(() => gpu.TrainStep(hugeX, hugeT, 4));
        Assert.Equal("Leaky.weight", e.Tensor);
        Assert.Equal(1, e.Step);
        Assert.Equal(before, gpu.Parameters.ToArray());
        Assert.Equal(1, gpu.StepCount);
        Assert.Throws<NonFiniteGradientException>(() => gpu.ComputeGradients(hugeX, hugeT, 4));
        Assert.True(float.IsFinite(gpu.TrainStep(x, t, 4)));
        Assert.Equal(2, gpu.StepCount);
    }

    [ToolFact(CudaToolchain.Gxx)]
    public void A_refused_step_on_the_device_puts_the_running_statistics_back()
    {
        using var gpu = new DenseBatchNormSoftmax();
        gpu.UseDevice(Device.Cuda);
        float[] x = TestData.Random(12, 6);
        float[] t = TestData.OneHot(4, 3, 7);
        gpu.TrainStep(x, t, 4);
        float[] parameters = gpu.Parameters.ToArray();
        float[][] tensors = gpu.Tensors.Select(tensor => tensor.Values.ToArray()).ToArray();
        float[] huge = x.ToArray();
        huge[0] = 3e38f;
        huge[4] = -3e38f;
        foreach (Action call in new Action[] { () => gpu.TrainStep(huge, t, 4), () => gpu.EvaluateLoss(huge, t, 4, training: true), () => gpu.ComputeGradients(huge, t, 4) })
        {
            var e = Assert.ThrowsAny<ArithmeticException>(call);
            Assert.True(e is NonFiniteStatisticException or NonFiniteLossException or NonFiniteGradientException, e.GetType().Name);
            Assert.Equal(parameters, gpu.Parameters.ToArray());
            for (int i = 0; i < tensors.Length; i++) Assert.Equal(tensors[i], gpu.Tensors[i].Values.ToArray());
            Assert.Equal(1, gpu.StepCount);
        }
        Assert.True(float.IsFinite(gpu.TrainStep(x, t, 4)));
    }

    [ToolFact(CudaToolchain.Gxx)]
    public void BatchNorm_statistics_and_every_optimizer_follow_the_cpu()
    {
        const int batch = 6;
        float[] inputs = TestData.Random(batch * 5, 7);
        float[] targets = TestData.Random(batch * 3, 8);
        Func<Optimizer>[] optimizers =
        {
            () => new Sgd(0.05f), () => new Sgd(0.05f, momentum: 0.9f), () => new Sgd(0.05f, momentum: 0.9f, nesterov: true),
            () => new AdaGrad(0.05f), () => new RmsProp(0.01f), () => new AdaDelta(1f), () => new Adam(0.01f),
        };
        foreach (var make in optimizers)
        {
            using var cpu = new BatchNormNet(11) { Optimizer = make(), MaxGradientNorm = 0.5f };
            using var gpu = new BatchNormNet(11) { Optimizer = make(), MaxGradientNorm = 0.5f };
            gpu.UseDevice(Device.Cuda);
            for (int step = 0; step < 2; step++) Assert.Equal(cpu.TrainStep(inputs, targets, batch), gpu.TrainStep(inputs, targets, batch), 4);
            double error = cpu.Tensors.Zip(gpu.Tensors).Max(p => GoldenTests.MaxError(p.Second.Values.ToArray(), p.First.Values.ToArray()));
            _output.WriteLine($"{cpu.Optimizer}: parameters and running statistics after 2 clipped steps differ by {error:E2}");
            Assert.True(error < 1e-4, $"{cpu.Optimizer}: {error:E2}");
        }
    }

    [ToolFact(CudaToolchain.Gxx)]
    public void Fit_runs_on_the_device()
    {
        var data = Compiled.Nets.Data.ClassificationData.LoadCsv(TestData.PathOf("data", "iris.csv"));
        var (train, test) = data.Split(0.3, seed: 42);
        var (mean, std) = train.FeatureStatistics();
        train = train.Standardize(mean, std);
        test = test.Standardize(mean, std);
        using var cpu = new IrisNet(1) { Optimizer = new Adam(0.02f) };
        using var gpu = new IrisNet(1) { Optimizer = new Adam(0.02f) };
        gpu.UseDevice(Device.Auto);
        Assert.Equal(Device.Cuda, gpu.Device);
        var options = new FitOptions { Epochs = 3, BatchSize = 16 };
        var a = cpu.Fit(train, options, test);
        var b = gpu.Fit(train, options, test);
        _output.WriteLine($"Fit on the emulated device: {b.Last}");
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(a.Epochs[i].TrainingLoss, b.Epochs[i].TrainingLoss, 4);
            Assert.Equal(a.Epochs[i].ValidationAccuracy, b.Epochs[i].ValidationAccuracy, 6);
        }
    }
}
