using System;
using System.Linq;
using Compiled.Nets.Cuda;
using Compiled.Nets.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>A fact that needs a CUDA GPU (driver, NVRTC, device): skipped, with the probe's reason, elsewhere.</summary>
public sealed class GpuFactAttribute : FactAttribute
{
    public GpuFactAttribute()
    {
        var status = CudaAvailability.Current;
        if (!status.Available) Skip = "needs a CUDA GPU: " + status.Description;
    }
}

[Collection("CUDA backend")]
public class DeviceTests
{
    private readonly ITestOutputHelper _output;
    public DeviceTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Auto_picks_cuda_only_where_it_is_available_and_says_why()
    {
        var status = CudaAvailability.Current;
        _output.WriteLine($"probe: available = {status.Available}, {status.Description}");
        using var net = new IrisNet();
        string reason = net.UseDevice(Device.Auto);
        _output.WriteLine($"Device.Auto → {net.Device}: {reason}");
        Assert.Equal(status.Available ? Device.Cuda : Device.Cpu, net.Device);
        Assert.Contains(status.Description, reason);
        if (!status.Available)
            Assert.Matches("not found|no CUDA device|cuInit failed", reason);
        Assert.Equal("CPU: requested", net.UseDevice(Device.Cpu));
        Assert.Equal(Device.Cpu, net.Device);
    }

    [Fact]
    public void Cuda_without_a_gpu_is_refused_with_the_reason()
    {
        var status = CudaAvailability.Current;
        using var net = new IrisNet();
        if (status.Available)
        {
            net.UseDevice(Device.Cuda);
            Assert.Equal(Device.Cuda, net.Device);
            return;
        }
        var e = Assert.Throws<CudaUnavailableException>(() => net.UseDevice(Device.Cuda));
        Assert.Equal(status.Description, e.Reason);
        Assert.Contains("Device.Auto", e.Message);
        Assert.Equal(Device.Cpu, net.Device);
        // The network still works on the CPU afterwards.
        var output = new float[3];
        net.Forward(new float[4], output);
        Assert.Equal(1f, output.Sum(), 4);
    }

    [Fact]
    public void Perceptron_networks_stay_on_the_cpu()
    {
        using var net = new HeavisidePerceptron();
        Assert.Throws<NotSupportedException>(() => net.UseDevice(Device.Cuda));
        Assert.StartsWith("CPU:", net.UseDevice(Device.Auto));
        Assert.Equal(Device.Cpu, net.Device);
    }

    [Fact]
    public void Kernel_cache_key_covers_source_architecture_batch_and_nvrtc_version()
    {
        string key = KernelCompiler.CacheKey(((ICudaKernels)new Mlp784()).CudaSource, "sm_90", 64, "12.4");
        Assert.Equal(64, key.Length);
        Assert.Equal(key, KernelCompiler.CacheKey(((ICudaKernels)new Mlp784()).CudaSource, "sm_90", 64, "12.4"));
        Assert.NotEqual(key, KernelCompiler.CacheKey(((ICudaKernels)new Mlp784()).CudaSource, "sm_80", 64, "12.4"));
        Assert.NotEqual(key, KernelCompiler.CacheKey(((ICudaKernels)new Mlp784()).CudaSource, "sm_90", 32, "12.4"));
        Assert.NotEqual(key, KernelCompiler.CacheKey(((ICudaKernels)new Mlp784()).CudaSource, "sm_90", 64, "12.8"));
        Assert.NotEqual(key, KernelCompiler.CacheKey(((ICudaKernels)new IrisNet()).CudaSource, "sm_90", 64, "12.4"));
        Assert.EndsWith(System.IO.Path.Combine("compiled-nets", "kernels"), KernelCompiler.CacheDirectory);
    }

    [GpuFact]
    public void Nvrtc_compiles_the_mlp_for_this_gpu()
    {
        var status = CudaAvailability.Current;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        byte[] cubin = KernelCompiler.Compile("Mlp784", ((ICudaKernels)new Mlp784()).CudaSource, status.Architecture, 64, status.NvrtcVersion);
        _output.WriteLine($"{status.Description}: {cubin.Length:N0}-byte CUBIN in {clock.Elapsed.TotalSeconds:F2} s (cached afterwards)");
        Assert.True(cubin.Length > 1000);
    }

    [GpuFact]
    public void Training_on_the_gpu_agrees_with_the_cpu()
    {
        const int batch = 64;
        float[] inputs = TestData.Random(batch * 784, 1);
        float[] targets = TestData.OneHot(batch, 10, 2);
        using var cpu = new Mlp784(3) { Optimizer = new Adam(1e-3f) };
        using var gpu = new Mlp784(3) { Optimizer = new Adam(1e-3f) };
        _output.WriteLine(gpu.UseDevice(Device.Cuda));
        for (int step = 0; step < 3; step++)
        {
            float cpuLoss = cpu.TrainStep(inputs, targets, batch);
            float gpuLoss = gpu.TrainStep(inputs, targets, batch);
            Assert.Equal(cpuLoss, gpuLoss, 4);
        }
        float[] cpuOutputs = new float[batch * 10], gpuOutputs = new float[batch * 10];
        cpu.Predict(inputs, cpuOutputs);
        gpu.Predict(inputs, gpuOutputs);
        double outputError = GoldenTests.MaxError(gpuOutputs, cpuOutputs);
        double parameterError = GoldenTests.MaxError(gpu.Parameters.ToArray(), cpu.Parameters.ToArray());
        _output.WriteLine($"after 3 Adam steps: outputs {outputError:E2}, parameters {parameterError:E2}");
        Assert.True(outputError < 1e-4);
        Assert.True(parameterError < 1e-4);
        gpu.ComputeGradients(inputs, targets, batch);
        cpu.ComputeGradients(inputs, targets, batch);
        Assert.True(GoldenTests.MaxError(gpu.Gradients.ToArray(), cpu.Gradients.ToArray()) < 1e-4);
    }
}
