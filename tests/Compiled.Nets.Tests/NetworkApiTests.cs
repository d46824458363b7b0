using System;
using System.Linq;
using Compiled.Nets.CompilerServices;
using Xunit;

namespace Compiled.Nets.Tests;

public class NetworkApiTests
{
    [Fact]
    public void Shape_constants_and_parameter_layout_follow_pytorch_order()
    {
        Assert.Equal(784, Mlp784.InputSize);
        Assert.Equal(10, Mlp784.OutputSize);
        Assert.Equal(784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10, Mlp784.ParameterCount);
        var net = new XorNet();
        Assert.Equal(17, net.Parameters.Length);
        Assert.Equal(new[] { "X", "Hidden", "Y" }, net.Layers.Select(l => l.Name));
        Assert.Equal(8, net.Hidden.Weight.Length);
        Assert.Equal(4, net.Hidden.Bias.Length);
        // Hidden.weight[1, 0] is parameter 2 ([out, in] row-major), Hidden.bias starts at 8, Y.weight at 12.
        net.Hidden.Weight[2] = 42f;
        net.Y.Bias[0] = -7f;
        Assert.Equal(42f, net.Parameters[2]);
        Assert.Equal(-7f, net.Parameters[16]);
        Assert.Equal(new[] { 4 }, net.Hidden.OutputShape);
    }

    [Fact]
    public void Same_seed_gives_same_weights_and_another_seed_differs()
    {
        Assert.Equal(new Mlp784(3).Parameters.ToArray(), new Mlp784(3).Parameters.ToArray());
        Assert.NotEqual(new Mlp784(3).Parameters.ToArray(), new Mlp784(4).Parameters.ToArray());
        Assert.Equal(new XorNet().Parameters.ToArray(), new XorNet(XorNet.DefaultSeed).Parameters.ToArray());
        var net = new Mlp784(3);
        float[] before = net.Parameters.ToArray();
        net.InitializeParameters(9);
        net.InitializeParameters(3);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void Glorot_uniform_stays_within_its_limit_and_biases_start_at_zero()
    {
        var net = new Mlp784(1);
        float limit = MathF.Sqrt(6f / (784 + 128));
        var w = net.Hidden1.Weight;
        Assert.All(w.ToArray(), v => Assert.InRange(v, -limit, limit));
        Assert.True(w.ToArray().Max() > 0.9f * limit && w.ToArray().Min() < -0.9f * limit, "uniform over the whole range");
        Assert.All(net.Hidden1.Bias.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Scaled_normal_has_standard_deviation_one_over_sqrt_fan_in()
    {
        var weights = new float[200_000];
        Initializers.Fill(weights, Initialization.ScaledNormal, fanIn: 100, fanOut: 10, new SeededRandom(5));
        double mean = weights.Average();
        double std = Math.Sqrt(weights.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, -0.002, 0.002);
        Assert.InRange(std, 0.099, 0.101);
        // A network declared with ScaledNormal uses it.
        var net = new MseTanhOutputSimd(1);
        double layerStd = Math.Sqrt(net.Hidden.Weight.ToArray().Select(v => (double)v * v).Average());
        Assert.InRange(layerStd, 0.15, 0.7); // 1/√6 ≈ 0.41 over only 30 weights
    }

    [Fact]
    public void Forward_and_predict_agree_and_forward_does_not_allocate()
    {
        var net = new Mlp784(2);
        float[] inputs = TestData.Random(3 * 784, 1);
        var batchOutputs = new float[30];
        net.Predict(inputs, batchOutputs);
        var single = new float[10];
        for (int s = 0; s < 3; s++)
        {
            net.Forward(inputs.AsSpan(s * 784, 784), single);
            for (int j = 0; j < 10; j++) Assert.Equal(batchOutputs[s * 10 + j], single[j], 5);
            Assert.Equal(1f, single.Sum(), 4);
        }
        net.Forward(inputs.AsSpan(0, 784), single);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) net.Forward(inputs.AsSpan(0, 784), single);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Train_step_does_not_allocate_once_warm()
    {
        var net = new Mlp784(2);
        float[] inputs = TestData.Random(64 * 784, 1);
        float[] targets = TestData.OneHot(64, 10, 2);
        net.TrainStep(inputs, targets, 64);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) net.TrainStep(inputs, targets, 64);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Predict_handles_batches_larger_than_its_chunk()
    {
        var net = new IrisNet(1);
        float[] inputs = TestData.Random(1000 * 4, 1);
        var outputs = new float[3000];
        net.Predict(inputs, outputs);
        var single = new float[3];
        foreach (int s in new[] { 0, 255, 256, 999 })
        {
            net.Forward(inputs.AsSpan(s * 4, 4), single);
            Assert.Equal(single, outputs.AsSpan(s * 3, 3).ToArray());
        }
    }

    [Fact]
    public void Summary_lists_every_layer_with_shape_and_parameters()
    {
        string summary = new Mlp784().Summary();
        Assert.Contains("Network \"Mlp784\" (loss: softmax cross-entropy)", summary);
        Assert.Contains("Hidden1 (Dense)", summary);
        Assert.Contains("[128]", summary);
        Assert.Contains("100,480", summary);
        Assert.Contains("Total parameters: 109,386", summary);
        Assert.Equal(4, summary.Split('\n').Count(l => l.Contains("(Input)") || l.Contains("(Dense)")));
    }
}
