using System;
using System.Linq;
using Compiled.Nets.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>Dropout, BatchNorm, PReLU, penalties, sample weights and the optimizer hook of generated networks.</summary>
public class ToolkitTests
{
    private readonly ITestOutputHelper _output;
    public ToolkitTests(ITestOutputHelper output) => _output = output;

    /// <summary>Central differences of the training-mode loss (same dropout mask and batch statistics) against the analytic gradient.</summary>
    private double GradientError(ITrainableNetwork net, float[] inputs, float[] targets, int batch)
    {
        net.ComputeGradients(inputs, targets, batch);
        float[] analytic = net.Gradients.ToArray();
        const float h = 1e-3f;
        double sumSquares = 0, sumDiff = 0;
        var p = net.Parameters;
        for (int i = 0; i < p.Length; i++)
        {
            float saved = p[i];
            p[i] = saved + h;
            double plus = net.EvaluateLoss(inputs, targets, batch, training: true);
            p[i] = saved - h;
            double minus = net.EvaluateLoss(inputs, targets, batch, training: true);
            p[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            sumSquares += numeric * numeric;
            sumDiff += (numeric - analytic[i]) * (numeric - analytic[i]);
        }
        return Math.Sqrt(sumDiff / sumSquares);
    }

    [Fact]
    public void Dropout_gradient_matches_central_differences_with_a_fixed_mask()
    {
        var net = new DropoutNet();
        double error = GradientError(net, TestData.Random(8 * 6, 1), TestData.OneHot(8, 4, 2), 8);
        _output.WriteLine($"dropout: relative gradient error {error:E2}");
        Assert.True(error < 1e-2, $"{error:E2}");
    }

    [Fact]
    public void Dropout_on_the_input_trains_and_is_the_identity_at_inference()
    {
        var net = new InputDropoutNet();
        double error = GradientError(net, TestData.Random(6 * 5, 3), TestData.Random(6 * 3, 4), 6);
        Assert.True(error < 1e-2, $"{error:E2}");
        float[] input = TestData.Random(5, 5);
        var a = new float[3];
        var b = new float[3];
        net.Forward(input, a);
        net.Forward(input, b);
        Assert.Equal(a, b);
        // Inference uses no mask: the output is W x + b exactly.
        var w = net.Y.Weight;
        for (int j = 0; j < 3; j++)
        {
            float expected = net.Y.Bias[j];
            for (int i = 0; i < 5; i++) expected += w[j * 5 + i] * input[i];
            Assert.Equal(expected, a[j], 5);
        }
    }

    [Fact]
    public void Dropout_drops_about_its_rate_and_scales_the_survivors()
    {
        var net = new DropoutNet();
        const int batch = 400;
        float[] inputs = TestData.Random(batch * 6, 7);
        float[] targets = TestData.OneHot(batch, 4, 8);
        // With training on, the loss differs between steps (new masks) but is reproducible for a step.
        float first = net.EvaluateLoss(inputs, targets, batch, training: true);
        float again = net.EvaluateLoss(inputs, targets, batch, training: true);
        Assert.Equal(first, again);
        net.TrainStep(inputs, targets, batch);
        Assert.NotEqual(first, net.EvaluateLoss(inputs, targets, batch, training: true));
        float inference = net.EvaluateLoss(inputs, targets, batch);
        Assert.Equal(inference, net.EvaluateLoss(inputs, targets, batch));
    }

    [Fact]
    public void BatchNorm_gradient_matches_central_differences()
    {
        var net = new BatchNormNet();
        double error = GradientError(net, TestData.Random(9 * 5, 11), TestData.Random(9 * 3, 12), 9);
        _output.WriteLine($"BatchNorm (tanh): relative gradient error {error:E2}");
        Assert.True(error < 1e-2, $"{error:E2}");
        var second = new InputBatchNormNet();
        error = GradientError(second, TestData.Random(7 * 4, 13), TestData.OneHot(7, 3, 14), 7);
        _output.WriteLine($"BatchNorm on the input and with ReLU, SIMD dense: relative gradient error {error:E2}");
        Assert.True(error < 1e-2, $"{error:E2}");
    }

    [Fact]
    public void BatchNorm_normalises_batches_and_keeps_running_averages_for_inference()
    {
        var net = new BatchNormNet();
        const int batch = 64;
        float[] inputs = TestData.Random(batch * 5, 21, scale: 3f);
        float[] targets = TestData.Random(batch * 3, 22);
        var runningMean = net.Tensors.Single(t => t.Name == "Norm.running_mean");
        var runningVar = net.Tensors.Single(t => t.Name == "Norm.running_var");
        Assert.All(runningMean.Values.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(runningVar.Values.ToArray(), v => Assert.Equal(1f, v));
        net.EvaluateLoss(inputs, targets, batch, training: true);
        Assert.Contains(runningMean.Values.ToArray(), v => v != 0f);
        // Inference does not move the running statistics, and gives the same output each time.
        float[] before = runningMean.Values.ToArray();
        var outputs = new float[batch * 3];
        net.Predict(inputs, outputs);
        Assert.Equal(before, runningMean.Values.ToArray());
        Assert.Throws<ArgumentException>(() => net.TrainStep(inputs.AsSpan(0, 5), targets.AsSpan(0, 3), 1));
    }

    [Fact]
    public void PReLU_gradient_matches_central_differences_and_its_slope_learns()
    {
        var net = new PReLUNet();
        Assert.Equal(0.3f, net.InputAct.Weight[0]);
        Assert.Equal(0.25f, net.Act.Weight[0]);
        double error = GradientError(net, TestData.Random(6 * 4, 31), TestData.Random(6 * 2, 32), 6);
        _output.WriteLine($"PReLU: relative gradient error {error:E2}");
        Assert.True(error < 1e-2, $"{error:E2}");
        Assert.NotEqual(0f, net.Gradients[net.Tensors.Single(t => t.Name == "InputAct.weight").Values.Length - 1]);
    }

    [Fact]
    public void L1_and_L2_penalties_are_in_the_loss_and_the_gradient_but_not_on_biases()
    {
        var net = new RegularizedNet();
        float[] inputs = TestData.Random(5 * 5, 41);
        float[] targets = TestData.OneHot(5, 3, 42);
        double error = GradientError(net, inputs, targets, 5);
        _output.WriteLine($"L1 + L2: relative gradient error {error:E2}");
        Assert.True(error < 1e-2, $"{error:E2}");

        // The penalty: Hidden has λ₁ = 0.01, λ₂ = 0.1 (network); Y overrides with λ₁ = 0, λ₂ = 0.5.
        double penalty = 0.01 * net.Hidden.Weight.ToArray().Sum(w => Math.Abs(w)) + 0.05 * net.Hidden.Weight.ToArray().Sum(w => w * w)
                       + 0.25 * net.Y.Weight.ToArray().Sum(w => w * w);
        float withPenalty = net.EvaluateLoss(inputs, targets, 5);
        net.L2Free(out float withoutPenalty, inputs, targets);
        Assert.Equal(penalty, withPenalty - withoutPenalty, 4);
        Assert.All(net.Hidden.Bias.ToArray(), b => Assert.Equal(0.1f, b));
    }

    [Fact]
    public void Biases_are_penalised_only_when_asked()
    {
        var penalised = new RegularizedBiasesNet();
        var plain = new UnregularizedTwin();
        penalised.Y.Bias.Fill(2f);
        plain.Y.Bias.Fill(2f);
        Assert.Equal(plain.Parameters.ToArray(), penalised.Parameters.ToArray());
        float[] inputs = TestData.Random(4 * 3, 51);
        float[] targets = TestData.OneHot(4, 3, 52);
        penalised.ComputeGradients(inputs, targets, 4);
        plain.ComputeGradients(inputs, targets, 4);
        // RegularizeBiases = true: both weights and biases get λ₂ p added (λ₂ = 0.1).
        for (int i = 0; i < penalised.Parameters.Length; i++)
            Assert.Equal(0.1f * penalised.Parameters[i], penalised.Gradients[i] - plain.Gradients[i], 5);
        Assert.True(GradientError(penalised, inputs, targets, 4) < 1e-2);
    }

    [Fact]
    public void Sample_weights_equal_repeating_samples()
    {
        // A sample of weight 2 counts like the sample twice: MSE (per-element mean) and softmax cross-entropy (per-sample mean).
        var a = new GoldenLeakySoftplusMse(3);
        var b = new GoldenLeakySoftplusMse(3);
        float[] x = TestData.Random(3 * 3, 63);
        float[] t = TestData.Random(3 * 2, 64);
        float lossWeighted = a.ComputeGradients(x, t, 3, new float[] { 2f, 1f, 1f });
        float lossRepeated = b.ComputeGradients(x.Take(3).Concat(x).ToArray(), t.Take(2).Concat(t).ToArray(), 4);
        Assert.Equal(lossRepeated, lossWeighted, 5);
        Assert.True(GoldenTests.MaxError(a.Gradients.ToArray(), b.Gradients.ToArray()) < 1e-6);
        var c = new GoldenReluSoftmaxCe(4);
        var d = new GoldenReluSoftmaxCe(4);
        float[] cx = TestData.Random(3 * 4, 65);
        float[] ct = TestData.OneHot(3, 3, 66);
        Assert.Equal(d.ComputeGradients(cx.Take(4).Concat(cx).ToArray(), ct.Take(3).Concat(ct).ToArray(), 4),
            c.ComputeGradients(cx, ct, 3, new float[] { 2f, 1f, 1f }), 5);
        Assert.True(GoldenTests.MaxError(c.Gradients.ToArray(), d.Gradients.ToArray()) < 1e-6);
        Assert.Throws<ArgumentException>(() => c.TrainStep(cx, ct, 3, new float[] { 1f, 1f }));
    }

    [Fact]
    public void Optimizer_is_pluggable_and_learning_rate_forwards_to_it()
    {
        var net = new XorNet();
        Assert.IsType<Sgd>(net.Optimizer);
        Assert.Equal(0.5f, net.LearningRate);
        net.Optimizer = new Adam(0.05f);
        Assert.Equal(0.05f, net.LearningRate);
        net.LearningRate = 0.02f;
        Assert.Equal(0.02f, net.Optimizer.LearningRate);
        float[] inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
        float[] targets = { 0, 1, 1, 0 };
        net.LearningRate = 0.05f;
        float loss = 0;
        for (int i = 0; i < 1500; i++) loss = net.TrainStep(inputs, targets, 4);
        _output.WriteLine($"XOR with Adam: loss {loss:E3} after 1500 steps");
        Assert.True(loss < 0.05f);
        Assert.Throws<ArgumentNullException>(() => net.Optimizer = null!);
    }

    [Fact]
    public void Gradient_clipping_bounds_the_step()
    {
        var net = new GoldenLeakySoftplusMse(5) { MaxGradientNorm = 0.01f, Optimizer = new Sgd(1f) };
        float[] inputs = TestData.Random(4 * 3, 71, scale: 5f);
        float[] targets = TestData.Random(4 * 2, 72, scale: 10f);
        float[] before = net.Parameters.ToArray();
        net.TrainStep(inputs, targets, 4);
        double moved = Math.Sqrt(before.Zip(net.Parameters.ToArray(), (x, y) => (double)(x - y) * (x - y)).Sum());
        Assert.InRange(moved, 0.0099, 0.0101);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.MaxGradientNorm = -1f);
    }
}

internal static class PenaltyHelpers
{
    /// <summary>The data loss alone, by evaluating a copy with no penalties (same architecture, same parameters).</summary>
    public static void L2Free(this RegularizedNet net, out float loss, float[] inputs, float[] targets)
    {
        var outputs = new float[targets.Length];
        net.Predict(inputs, outputs);
        double sum = 0;
        for (int i = 0; i < targets.Length; i++) if (targets[i] != 0) sum -= targets[i] * Math.Log(outputs[i]);
        loss = (float)(sum / (targets.Length / 3));
    }
}
