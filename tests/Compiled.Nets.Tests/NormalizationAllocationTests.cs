using System;
using Compiled.Nets.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>The local normalisation and noise layers allocate nothing per step, and the noise layers are the int8 model's identity.</summary>
public class NormalizationAllocationTests
{
    private readonly ITestOutputHelper _output;
    public NormalizationAllocationTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Networks() => new() { "LrnConv Adam", "LrnLcn1D", "LcnConv momentum", "Noisy Adam" };

    private static ITrainableNetwork Make(string name) => name switch
    {
        "LrnConv Adam" => new LrnConvNet { Optimizer = new Adam(1e-3f) },
        "LrnLcn1D" => new LrnLcn1DNet(),
        "LcnConv momentum" => new LcnConvNet { Optimizer = new Sgd(0.01f, momentum: 0.9f) },
        "Noisy Adam" => new NoisyNet { Optimizer = new Adam(1e-3f) },
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Steady_state_calls_allocate_nothing(string name)
    {
        var net = Make(name);
        const int batch = 16;
        float[] inputs = TestData.Random(batch * net.InputLength, 1);
        float[] targets = TestData.Probabilities(batch * net.OutputLength, 2);
        float[] outputs = new float[batch * net.OutputLength];
        void Calls()
        {
            net.TrainStep(inputs, targets, batch);
            net.ComputeGradients(inputs, targets, batch);
            net.EvaluateLoss(inputs, targets, batch, training: true);
            net.Predict(inputs, outputs);
        }
        for (int i = 0; i < 50; i++) Calls();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) Calls();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{name}: {allocated} bytes allocated in 20 rounds of 4 calls");
    }

    [Fact]
    public void Quantized_noise_layers_are_the_identity()
    {
        var net = new NoisyNet(3);
        const int batch = 64;
        float[] inputs = TestData.Random(batch * NoisyNet.InputSize, 5);
        var quantized = net.Quantize(inputs, batch);
        var expected = new float[batch * 3];
        var actual = new float[batch * 3];
        net.Predict(inputs, expected);
        quantized.Predict(inputs, actual);
        double error = GoldenTests.MaxError(actual, expected);
        _output.WriteLine($"int8 NoisyNet against float32 at inference: max error {error:E2}");
        Assert.True(error < 0.05, $"int8 outputs differ by {error:E2}");
    }
}
