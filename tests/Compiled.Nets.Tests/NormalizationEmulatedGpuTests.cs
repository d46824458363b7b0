using System;
using System.Linq;
using Compiled.Nets.Cuda;
using Compiled.Nets.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// Local normalisation and noise layers on the GPU path end to end (UseDevice, the runner's captured graph, the seed and
/// step scalars of the random streams), on the CPU emulation of the generated CUDA, against the C# path.
/// </summary>
[Collection("CUDA backend")]
public sealed class NormalizationEmulatedGpuTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly EmulatedCudaBackend _backend = new();

    public NormalizationEmulatedGpuTests(ITestOutputHelper output)
    {
        _output = output;
        CudaBackends.UseForTesting(() => _backend, EmulatedCudaBackend.EmulatedStatus);
    }

    public void Dispose() => CudaBackends.UseForTesting(null, null);

    private void TrainsLikeTheCpu<TNet>(Func<TNet> create, float[] inputs, float[] targets, int batch) where TNet : ITrainableNetwork, IDisposable
    {
        using var cpu = create();
        using var gpu = create();
        cpu.Optimizer = new Sgd(0.05f, momentum: 0.9f);
        gpu.Optimizer = new Sgd(0.05f, momentum: 0.9f);
        gpu.UseDevice(Device.Cuda);
        // Each step draws new noise (the step count advances on both sides), so equal losses mean equal streams.
        for (int step = 0; step < 3; step++)
            Assert.Equal(cpu.TrainStep(inputs, targets, batch), gpu.TrainStep(inputs, targets, batch), 5);
        double parameterError = GoldenTests.MaxError(gpu.Parameters.ToArray(), cpu.Parameters.ToArray());
        var cpuOut = new float[batch * cpu.OutputLength];
        var gpuOut = new float[batch * gpu.OutputLength];
        cpu.Predict(inputs, cpuOut);
        gpu.Predict(inputs, gpuOut);
        double outputError = GoldenTests.MaxError(gpuOut, cpuOut);
        _output.WriteLine($"{typeof(TNet).Name} after 3 momentum steps on the emulated device: parameters {parameterError:E2}, outputs {outputError:E2}; {_backend.Launches} launches");
        Assert.True(parameterError < 1e-5, $"parameters differ by {parameterError:E2}");
        Assert.True(outputError < 1e-5, $"outputs differ by {outputError:E2}");
    }

    [ToolFact(CudaToolchain.Gxx)]
    public void A_cnn_with_local_response_normalisation_trains_on_the_device_like_on_the_cpu() =>
        TrainsLikeTheCpu(() => new LrnConvNet(3), TestData.Random(5 * 72, 7), TestData.OneHot(5, 3, 8), 5);

    [ToolFact(CudaToolchain.Gxx)]
    public void Noise_layers_draw_the_same_noise_on_the_device_step_after_step() =>
        TrainsLikeTheCpu(() => new NoisyNet(4), TestData.Random(6 * 6, 7), TestData.Random(6 * 3, 8), 6);
}
