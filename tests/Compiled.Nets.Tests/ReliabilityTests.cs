using System;
using System.Linq;
using System.Threading;
using Compiled.Nets.Optimizers;
using Xunit;

namespace Compiled.Nets.Tests;

/// <summary>
/// What a long-running service relies on: batches the arenas cannot hold are refused up front, non-finite values never
/// reach the weights, and a trained network serves many threads at once.
/// </summary>
public class ReliabilityTests
{
    // ---------------------------------------------------------------- arena limits

    [Fact]
    public void The_largest_batch_follows_from_the_floats_per_sample()
    {
        // About 4 + 65,532 + 1 floats per sample in the arena: Array.MaxLength / that.
        Assert.InRange(HugeHiddenNet.MaxBatchSize, 32_000, 0x7FFFFFC7 / (65532 + 4 + 1));
    }

    [Theory]
    [InlineData(65_537)]
    [InlineData(40_000)]
    [InlineData(32_768)]
    public void A_batch_the_arenas_cannot_hold_is_refused_and_the_network_stays_usable(int batch)
    {
        var net = new HugeHiddenNet();
        float[] before = net.Parameters.ToArray();
        float[] x = new float[batch], t = new float[batch];
        foreach (Action call in new Action[]
        {
            () => net.TrainStep(x, t, batch),
            () => net.EvaluateLoss(x, t, batch),
            () => net.EvaluateLoss(x, t, batch, training: true),
            () => net.ComputeGradients(x, t, batch),
        })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(call);
            Assert.Equal("batchSize", e.ParamName);
            Assert.Contains(HugeHiddenNet.MaxBatchSize.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), e.Message);
        }
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.Equal(0, net.StepCount);

        // Still usable: a small step trains and Forward answers.
        float loss = net.TrainStep(new float[] { 0.5f, -0.5f }, new float[] { 1f, -1f }, 2);
        Assert.True(float.IsFinite(loss));
        var output = new float[1];
        net.Forward(new float[] { 0.25f }, output);
        Assert.True(float.IsFinite(output[0]));
    }

    [Fact]
    public void Predict_runs_any_number_of_samples_in_chunks()
    {
        var net = new HugeHiddenNet();
        const int count = 600; // chunks of 256, 256 and 88
        float[] x = TestData.Random(count, 3);
        var outputs = new float[count];
        net.Predict(x, outputs);
        var one = new float[1];
        foreach (int s in new[] { 0, 255, 256, 511, 512, 599 })
        {
            net.Forward(x.AsSpan(s, 1), one);
            Assert.Equal(one[0], outputs[s], 4);
        }
    }

    // ---------------------------------------------------------------- non-finite values

    [Fact]
    public void A_step_whose_gradients_overflow_is_refused_and_names_the_tensor()
    {
        var net = new GoldenLeakySoftplusMse(1) { Optimizer = new Adam(0.01f) };
        float[] x = TestData.Random(12, 4);
        float[] t = TestData.Random(8, 5);
        net.TrainStep(x, t, 4);
        // Leaky.weight [4, 3]: column 0 zero, so a huge first feature leaves the forward pass (and the loss) finite,
        // while its weight gradient dz · x overflows.
        for (int j = 0; j < 4; j++) net.Parameters[j * 3] = 0f;
        var before = (Parameters: net.Parameters.ToArray(), Gradients: net.Gradients.ToArray(), Steps: net.StepCount);
        float[] hugeX = x.ToArray();
        for (int s = 0; s < 4; s++) hugeX[s * 3] = 3e38f;
        float[] hugeT = t.Select(v => v * 1e4f).ToArray();
        Assert.True(float.IsFinite(net.EvaluateLoss(hugeX, hugeT, 4)), "the loss itself must be finite for this test");

        var e = Assert.Throws<NonFiniteGradientException>(() => net.TrainStep(hugeX, hugeT, 4));
        Assert.Equal("Leaky.weight", e.Tensor);
        Assert.Equal(1, e.Step);
        Assert.Equal(0, e.Element % 3);
        Assert.Contains("Leaky.weight", e.Message);
        Assert.Equal(before.Parameters, net.Parameters.ToArray());
        Assert.Equal(before.Gradients, net.Gradients.ToArray());
        Assert.Equal(before.Steps, net.StepCount);

        Assert.Throws<NonFiniteGradientException>(() => net.ComputeGradients(hugeX, hugeT, 4));
        Assert.Equal(before.Gradients, net.Gradients.ToArray());
        Assert.True(float.IsFinite(net.TrainStep(x, t, 4)));
    }

    [Fact]
    public void A_batch_that_would_poison_the_running_statistics_is_refused_and_they_stay()
    {
        var net = new DenseBatchNormSoftmax();
        float[] x = TestData.Random(12, 6);
        float[] t = TestData.OneHot(4, 3, 7);
        net.TrainStep(x, t, 4);
        var parameters = net.Parameters.ToArray();
        var tensors = net.Tensors.Select(tensor => tensor.Values.ToArray()).ToArray();
        float[] huge = x.ToArray();
        huge[0] = 3e38f;
        huge[4] = -3e38f;

        foreach (Action call in new Action[] { () => net.TrainStep(huge, t, 4), () => net.EvaluateLoss(huge, t, 4, training: true), () => net.ComputeGradients(huge, t, 4) })
        {
            var e = Assert.ThrowsAny<ArithmeticException>(call);
            Assert.True(e is NonFiniteStatisticException or NonFiniteLossException or NonFiniteGradientException, e.GetType().Name);
            Assert.Equal(parameters, net.Parameters.ToArray());
            for (int i = 0; i < tensors.Length; i++) Assert.Equal(tensors[i], net.Tensors[i].Values.ToArray());
            Assert.Equal(1, net.StepCount);
        }
        Assert.True(float.IsFinite(net.TrainStep(x, t, 4)));
        Assert.All(net.Tensors.SelectMany(tensor => tensor.Values.ToArray()), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void NaN_anywhere_in_a_batch_is_reported_before_batch_norm_moves()
    {
        var net = new DenseBatchNormSoftmax();
        float[] x = TestData.Random(12, 6);
        float[] t = TestData.OneHot(4, 3, 7);
        var tensors = net.Tensors.Select(tensor => tensor.Values.ToArray()).ToArray();
        x[7] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => net.TrainStep(x, t, 4));
        Assert.Contains("sample 2", e.Message);
        for (int i = 0; i < tensors.Length; i++) Assert.Equal(tensors[i], net.Tensors[i].Values.ToArray());
    }

    // ---------------------------------------------------------------- concurrent inference

    [Fact]
    public void Forward_and_Predict_from_8_threads_give_the_single_threaded_outputs()
    {
        var net = new IrisNet();
        float[] trainX = TestData.Random(40 * 4, 8);
        float[] trainT = TestData.OneHot(40, 3, 9);
        for (int i = 0; i < 20; i++) net.TrainStep(trainX, trainT, 40);

        const int samples = 1000, block = 3;
        float[] x = TestData.Random(samples * 4, 10);
        var expectedForward = new float[samples * 3];
        for (int s = 0; s < samples; s++) net.Forward(x.AsSpan(s * 4, 4), expectedForward.AsSpan(s * 3, 3));
        var expectedPredict = new float[samples][];
        for (int s = 0; s + block <= samples; s++)
        {
            expectedPredict[s] = new float[block * 3];
            net.Predict(x.AsSpan(s * 4, block * 4), expectedPredict[s]);
        }

        const int threads = 8, calls = 100_000;
        int mismatches = 0;
        var workers = Enumerable.Range(0, threads).Select(k => new Thread(() =>
        {
            var output = new float[3];
            var outputs = new float[block * 3];
            for (int i = 0; i < calls; i++)
            {
                int s = (int)((k * 7919L + i * 31L) % (samples - block));
                if (i % 4 == 3)
                {
                    net.Predict(x.AsSpan(s * 4, block * 4), outputs);
                    if (!outputs.AsSpan().SequenceEqual(expectedPredict[s])) Interlocked.Increment(ref mismatches);
                }
                else
                {
                    net.Forward(x.AsSpan(s * 4, 4), output);
                    if (!output.AsSpan().SequenceEqual(expectedForward.AsSpan(s * 3, 3))) Interlocked.Increment(ref mismatches);
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void A_convolutional_network_serves_8_threads_with_its_own_workspaces()
    {
        var net = new ConvBatchNormDropoutNet();
        float[] x = TestData.Random(64 * 36, 11);
        net.TrainStep(x.AsSpan(0, 4 * 36), TestData.OneHot(4, 3, 12), 4);
        var expected = new float[64 * 3];
        net.Predict(x, expected);
        var single = new float[64 * 3];
        for (int s = 0; s < 64; s++) net.Forward(x.AsSpan(s * 36, 36), single.AsSpan(s * 3, 3));

        int mismatches = 0;
        var workers = Enumerable.Range(0, 8).Select(k => new Thread(() =>
        {
            var outputs = new float[64 * 3];
            var one = new float[3];
            for (int i = 0; i < 300; i++)
            {
                net.Predict(x, outputs);
                if (!outputs.AsSpan().SequenceEqual(expected)) Interlocked.Increment(ref mismatches);
                int s = (k + i) % 64;
                net.Forward(x.AsSpan(s * 36, 36), one);
                if (!one.AsSpan().SequenceEqual(single.AsSpan(s * 3, 3))) Interlocked.Increment(ref mismatches);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void Convolutional_networks_trained_on_4_threads_at_once_match_training_one_after_another()
    {
        // Each thread trains its own network; the kernels share one set of worker threads, and a call that finds them
        // busy runs alone. Before the fix, such a call added the busy workers' partial weight gradients into its own.
        const int threads = 4, batch = 64, steps = 6;
        float[] x = TestData.Random(batch * 784, 21), y = TestData.OneHot(batch, 10, 22);
        float[] Train(MnistLeNet net)
        {
            net.Optimizer = new Sgd(0.05f);
            for (int step = 0; step < steps; step++) net.TrainStep(x, y, batch);
            return net.Parameters.ToArray();
        }
        float[] expected = Train(new MnistLeNet());
        var results = new float[threads][];
        var workers = Enumerable.Range(0, threads).Select(k => new Thread(() => results[k] = Train(new MnistLeNet()))).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        // Alone or split, dW sums the batch in a different order: rounding apart, the same weights.
        for (int k = 0; k < threads; k++)
        {
            double worst = results[k].Zip(expected, (a, b) => Math.Abs(a - b) / Math.Max(1, Math.Abs(b))).Max();
            Assert.True(worst < 1e-4, $"thread {k}: parameters differ from one-at-a-time training by {worst:E2}");
        }
    }
}
