using System;
using Compiled.Nets.Optimizers;
using Xunit;

namespace Compiled.Nets.Tests;

/// <summary>
/// Steady-state calls allocate nothing: once the arenas have grown to a batch size, Forward, Predict, EvaluateLoss,
/// ComputeGradients and TrainStep run without a single managed allocation on the calling thread (the kernels' worker
/// threads use preallocated workspaces). Counted, not timed, so the test is exact on any machine.
/// </summary>
public class AllocationTests
{
    public static TheoryData<string> Networks() => new() { "Xor", "Mlp784 Adam", "BatchNorm momentum", "ConvBatchNormDropout Adam", "Residual RMSProp", "Regularized AdaDelta" };

    private static ITrainableNetwork Make(string name) => name switch
    {
        "Xor" => new XorNet(),
        "Mlp784 Adam" => new Mlp784 { Optimizer = new Adam(1e-3f), MaxGradientNorm = 5f },
        "BatchNorm momentum" => new BatchNormNet { Optimizer = new Sgd(0.01f, momentum: 0.9f) },
        "ConvBatchNormDropout Adam" => new ConvBatchNormDropoutNet { Optimizer = new Adam(1e-3f) },
        "Residual RMSProp" => new ResidualNet { Optimizer = new RmsProp(1e-3f) },
        "Regularized AdaDelta" => new RegularizedNet { Optimizer = new AdaDelta(1f) },
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
        float[] weights = TestData.Probabilities(batch, 3);
        float[] outputs = new float[batch * net.OutputLength];
        float[] output = new float[net.OutputLength];
        void Calls()
        {
            net.TrainStep(inputs, targets, batch);
            net.TrainStep(inputs, targets, batch, weights);
            net.ComputeGradients(inputs, targets, batch);
            net.EvaluateLoss(inputs, targets, batch);
            net.EvaluateLoss(inputs, targets, batch, training: true);
            net.Forward(inputs.AsSpan(0, net.InputLength), output);
            net.Predict(inputs, outputs);
        }
        for (int i = 0; i < 50; i++) Calls(); // the arenas grow, the optimizer sizes its state, tiered JIT settles
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) Calls();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{name}: {allocated} bytes allocated in 20 rounds of 7 calls");
    }
}
